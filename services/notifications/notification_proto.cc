#include "services/notifications/notification_proto.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/auth/roles.h"
#include "common/proto_time.h"
#include "common/resource_name.h"

namespace qms::notifications {

void CheckPlant(FieldViolations& v, const std::string& field, const std::string& plant) {
  if (!IsValidPlantCode(plant)) v.Add(field, "is not a plant code (A-Z, 0-9, '-', '_'; 2-16)");
}

void CheckText(FieldViolations& v, const std::string& field, const std::string& value, size_t max,
               bool required) {
  if (required && value.empty()) {
    v.Add(field, "is required");
  } else if (value.size() > max) {
    v.Add(field, absl::StrCat("is longer than ", max, " bytes"));
  }
}

// ---- calendars ----

namespace {

std::vector<Window> WindowsFromProto(FieldViolations& v, const std::string& field,
                                     const google::protobuf::RepeatedPtrField<v1::TimeWindow>& in) {
  std::vector<Window> out;
  if (in.size() > static_cast<int>(kMaxWindowsPerDay)) v.Add(field, "has too many windows");
  for (int i = 0; i < in.size(); ++i) {
    auto start = ParseClock(in[i].start());
    auto end = ParseClock(in[i].end());
    if (!start.ok() || !end.ok()) {
      v.Add(absl::StrCat(field, "[", i, "]"), "start and end must be HH:MM");
      continue;
    }
    out.push_back({*start, *end});
  }
  return out;
}

std::set<absl::CivilDay> DatesFromProto(FieldViolations& v, const std::string& field,
                                        const google::protobuf::RepeatedPtrField<std::string>& in) {
  std::set<absl::CivilDay> out;
  if (in.size() > static_cast<int>(kMaxCalendarDates)) v.Add(field, "has too many dates");
  for (int i = 0; i < in.size(); ++i) {
    auto day = ParseDate(in[i]);
    if (!day.ok()) {
      v.Add(absl::StrCat(field, "[", i, "]"), "must be YYYY-MM-DD");
    } else {
      out.insert(*day);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Calendar> CalendarFromProto(const v1::Calendar& p) {
  FieldViolations v;
  Calendar c;
  CheckPlant(v, "calendar.plant", p.plant());
  c.plant = p.plant();
  c.time_zone = p.time_zone();
  std::set<int> days;
  for (int i = 0; i < p.week_size(); ++i) {
    const v1::WorkingDay& d = p.week(i);
    const std::string field = absl::StrCat("calendar.week[", i, "]");
    if (d.weekday() < 1 || d.weekday() > 7 || !days.insert(d.weekday()).second) {
      v.Add(absl::StrCat(field, ".weekday"), "must be 1 (Monday) to 7 (Sunday), each once");
      continue;
    }
    c.week[d.weekday() - 1] = WindowsFromProto(v, field + ".windows", d.windows());
  }
  c.holidays = DatesFromProto(v, "calendar.holidays", p.holidays());
  c.extra_working_days = DatesFromProto(v, "calendar.extra_working_days", p.extra_working_days());
  c.extra_day_windows = WindowsFromProto(v, "calendar.extra_day_windows", p.extra_day_windows());
  if (!v.empty()) return v.ToStatus();
  if (absl::Status valid = Validate(c); !valid.ok()) return valid;
  return c;
}

namespace {

void WindowsToProto(const std::vector<Window>& in,
                    google::protobuf::RepeatedPtrField<v1::TimeWindow>* out) {
  for (const Window& w : in) {
    v1::TimeWindow* p = out->Add();
    p->set_start(FormatClock(w.start));
    p->set_end(FormatClock(w.end));
  }
}

}  // namespace

void CalendarToProto(const Calendar& c, int64_t version, v1::Calendar* p) {
  p->set_plant(c.plant);
  p->set_time_zone(c.time_zone);
  for (int d = 0; d < 7; ++d) {
    if (c.week[d].empty()) continue;
    v1::WorkingDay* day = p->add_week();
    day->set_weekday(d + 1);
    WindowsToProto(c.week[d], day->mutable_windows());
  }
  for (absl::CivilDay d : c.holidays) p->add_holidays(absl::FormatCivilTime(d));
  for (absl::CivilDay d : c.extra_working_days) p->add_extra_working_days(absl::FormatCivilTime(d));
  WindowsToProto(c.extra_day_windows, p->mutable_extra_day_windows());
  p->set_etag(absl::StrCat(version));
  p->set_is_default(c.is_default);
}

// ---- timers ----

namespace {

v1::StageKind KindToProto(StageKind k) { return static_cast<v1::StageKind>(static_cast<int>(k)); }

}  // namespace

void TimerToProto(const Timer& t, v1::Timer* p) {
  p->set_name(absl::StrCat("timers/", t.id));
  p->set_plant(t.key.plant);
  p->set_subject(t.key.subject);
  p->set_policy(t.key.policy);
  p->set_state(static_cast<v1::TimerState>(static_cast<int>(t.state)));
  if (t.start_time) ToProto(*t.start_time, p->mutable_start_time());
  if (t.arm_time) ToProto(*t.arm_time, p->mutable_arm_time());
  if (t.disarm_time) ToProto(*t.disarm_time, p->mutable_disarm_time());
  p->set_overdue(t.overdue);
  p->set_customer(t.customer);
  for (const std::string& d : t.disarmed_deadlines) p->add_disarmed_deadlines(d);
  std::optional<absl::Time> due;
  for (const Stage& s : t.stages) {
    v1::Stage* ps = p->add_stages();
    ps->set_deadline(s.deadline);
    ps->set_kind(KindToProto(s.kind));
    ps->set_level(s.level);
    ToProto(s.due, ps->mutable_due_time());
    ps->set_state(static_cast<v1::StageState>(static_cast<int>(s.state)));
    if (s.fire_time) ToProto(*s.fire_time, ps->mutable_fire_time());
    for (const std::string& r : s.roles) ps->add_roles(r);
    if (s.kind == StageKind::kBreach && s.state != StageState::kCancelled &&
        (!due || s.due < *due)) {
      due = s.due;
    }
  }
  if (due && t.state != TimerState::kDisarmed) ToProto(*due, p->mutable_due_time());
}

// Adds the violations of `r` (field names after `prefix`) to `v`; the input when there are none.
// Whether the policy is configured is the store's to say (FAILED_PRECONDITION).
ArmInput ArmInputFromProto(FieldViolations& v, const v1::ArmTimerRequest& r,
                           const std::string& prefix) {
  CheckKey(v, r, prefix);
  ArmInput input{TimerKey{r.plant(), r.subject(), r.policy()}, std::nullopt, std::nullopt,
                 r.request_id(), r.customer()};
  if (r.has_start_time()) {
    CheckTimestamp(v, prefix + "start_time", r.start_time());
    input.start = FromProto(r.start_time());
  }
  if (r.has_due_time()) {
    CheckTimestamp(v, prefix + "due_time", r.due_time());
    input.due = FromProto(r.due_time());
  }
  if (input.start && input.due && *input.due < *input.start) {
    v.Add(prefix + "due_time", "must not be before start_time");
  }
  CheckText(v, prefix + "request_id", r.request_id(), kMaxRequestIdLength, false);
  CheckText(v, prefix + "customer", r.customer(), kMaxSubjectLength, false);
  return input;
}

void EventToProto(const Event& e, v1::Event* p) {
  p->set_id(e.id);
  p->set_plant(e.plant);
  p->set_subject(e.subject);
  p->set_policy(e.policy);
  p->set_deadline(e.deadline);
  p->set_kind(KindToProto(e.kind));
  p->set_level(e.level);
  for (const std::string& r : e.roles) p->add_roles(r);
  ToProto(e.due, p->mutable_due_time());
  ToProto(e.fire_time, p->mutable_fire_time());
  p->set_customer(e.customer);
}

std::optional<absl::Time> EarliestPending(const Timer& t) {
  std::optional<absl::Time> out;
  for (const Stage& s : t.stages) {
    if (s.state == StageState::kPending && (!out || s.due < *out)) out = s.due;
  }
  return out;
}

absl::StatusOr<int64_t> SubscriptionId(const std::string& field, const std::string& name) {
  int64_t id = 0;
  if (!absl::StartsWith(name, "subscriptions/") ||
      !absl::SimpleAtoi(name.substr(sizeof("subscriptions/") - 1), &id) || id <= 0) {
    return InvalidField(field, "must be subscriptions/{id}");
  }
  return id;
}

// Checked before anything else in a request: a malformed plant code is INVALID_ARGUMENT, a plant
// the caller has no right to PERMISSION_DENIED, before the rest is even validated.
absl::Status PlantAllowed(const server::Caller& caller, const std::string& field,
                          const std::string& plant) {
  if (!IsValidPlantCode(plant)) return InvalidField(field, "is not a plant code");
  return server::CheckPlant(caller, plant);
}

// An optional plant filter of a list: empty lists what the caller may see, filtered by the
// handler; a named plant must be one the caller may act in.
absl::Status FilterPlantAllowed(const server::Caller& caller, const std::string& plant) {
  return plant.empty() ? absl::OkStatus() : PlantAllowed(caller, "plant", plant);
}

void SubscriptionToProto(const Subscription& s, v1::Subscription* p) {
  p->set_name(absl::StrCat("subscriptions/", s.id));
  p->set_plant(s.plant);
  for (const std::string& r : s.roles) p->add_roles(r);
  if (s.channel == Channel::kEmail) {
    p->set_email(s.target);
  } else {
    p->set_webhook_url(s.target);
  }
  ToProto(s.create_time, p->mutable_create_time());
}

PlantScope ScopeOf(const server::Caller& caller, const std::string& requested) {
  if (!requested.empty()) {
    PlantScope scope{{requested}, false};
    if (caller.AllPlants()) scope.plants.push_back(auth::kAllPlants);
    return scope;
  }
  if (caller.AllPlants()) return PlantScope{{}, true};
  return PlantScope{caller.plants, false};
}

// The same for fields where "*" (subscriptions) or, with `empty_is_all`, an empty filter (lists,
// streams) means every plant, which only a company-wide caller may use.
absl::Status PlantOrAllAllowed(const server::Caller& caller, const std::string& field,
                               const std::string& plant, bool empty_is_all) {
  if (plant == auth::kAllPlants || (empty_is_all && plant.empty())) {
    if (caller.AllPlants()) return absl::OkStatus();
    return absl::PermissionDeniedError("your token is not valid for every plant: name a plant");
  }
  return PlantAllowed(caller, field, plant);
}

}  // namespace qms::notifications
