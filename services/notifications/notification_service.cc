#include "services/notifications/notification_service.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/auth/roles.h"
#include "common/field_violations.h"
#include "common/page_token.h"
#include "common/proto_time.h"
#include "common/resource_name.h"
#include "common/server/caller.h"
#include "common/server/grpc_status.h"

namespace qms::notifications {
namespace {

using server::ToGrpcStatus;

constexpr size_t kMaxSubjectLength = 255;
constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxRequestIdLength = 128;
constexpr size_t kMaxTargetLength = 512;
constexpr size_t kMaxRoles = 20;
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kMaxBatch = 1000;

void CheckPlant(FieldViolations& v, const std::string& field, const std::string& plant) {
  if (!IsValidPlantCode(plant)) v.Add(field, "is not a plant code (A-Z, 0-9, '-', '_'; 2-16)");
}

void CheckText(FieldViolations& v, const std::string& field, const std::string& value, size_t max,
               bool required = true) {
  if (required && value.empty()) {
    v.Add(field, "is required");
  } else if (value.size() > max) {
    v.Add(field, absl::StrCat("is longer than ", max, " bytes"));
  }
}

// ---- calendars ----

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

void WindowsToProto(const std::vector<Window>& in,
                    google::protobuf::RepeatedPtrField<v1::TimeWindow>* out) {
  for (const Window& w : in) {
    v1::TimeWindow* p = out->Add();
    p->set_start(FormatClock(w.start));
    p->set_end(FormatClock(w.end));
  }
}

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

v1::StageKind KindToProto(StageKind k) { return static_cast<v1::StageKind>(static_cast<int>(k)); }

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

template <typename Request>
void CheckKey(FieldViolations& v, const Request& r, const std::string& prefix = "") {
  CheckPlant(v, prefix + "plant", r.plant());
  CheckText(v, prefix + "subject", r.subject(), kMaxSubjectLength);
  CheckText(v, prefix + "policy", r.policy(), kMaxNameLength);
}

// A well-formed key (INVALID_ARGUMENT otherwise) of a configured policy (FAILED_PRECONDITION
// otherwise: see ConfiguredPolicy).
template <typename Request>
absl::StatusOr<TimerKey> KeyFromProto(const Request& r, const Policies& policies) {
  FieldViolations v;
  CheckKey(v, r);
  if (!v.empty()) return v.ToStatus();
  if (auto policy = ConfiguredPolicy(policies, r.policy()); !policy.ok()) return policy.status();
  return TimerKey{r.plant(), r.subject(), r.policy()};
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

// The prologue of the timer methods that name one timer: the caller, allowed in the request's
// plant (checked first), and the key the request names.
template <typename Request>
absl::StatusOr<TimerKey> AuthorizedKey(const grpc::ServerContext& context, const Request& r,
                                       const Policies& policies) {
  auto caller = server::CallerOf(context);
  if (!caller.ok()) return caller.status();
  if (absl::Status s = PlantAllowed(*caller, "plant", r.plant()); !s.ok()) return s;
  return KeyFromProto(r, policies);
}

std::vector<std::string> Readers() {
  return {std::begin(auth::kReaders), std::end(auth::kReaders)};
}

}  // namespace

server::AccessTable CalendarAccess() {
  using namespace auth;  // NOLINT
  return {
      {"SetCalendar", {kQuality, kGeneralManager, kAdmin}},
      {"GetCalendar", Readers()},
      {"ComputeDeadline", Readers()},
  };
}

server::AccessTable TimerAccess() {
  using namespace auth;  // NOLINT
  // Timers belong to the services whose steps start and stop them.
  const std::vector<std::string> owners = {kService, kAdmin};
  return {
      {"ArmTimer", owners},      {"BatchArmTimers", owners},  {"DisarmTimer", owners},
      {"PauseTimer", owners},    {"ResumeTimer", owners},     {"GetTimer", Readers()},
      {"ListTimers", Readers()}, {"ListPolicies", Readers()},
  };
}

server::AccessTable DeliveryAccess() {
  using namespace auth;  // NOLINT
  const std::vector<std::string> managers = {kQuality, kGeneralManager, kAdmin};
  return {
      {"CreateSubscription", managers},
      {"ListSubscriptions", {kQuality, kGeneralManager, kAuditor, kAdmin}},
      {"DeleteSubscription", managers},
      {"ListDeliveries", {kQuality, kGeneralManager, kAuditor, kAdmin}},
      {"WatchEvents", Readers()},
  };
}

// ---- CalendarService ----

grpc::Status CalendarServiceImpl::SetCalendar(grpc::ServerContext* context,
                                              const v1::SetCalendarRequest* request,
                                              v1::Calendar* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = PlantAllowed(*caller, "calendar.plant", request->calendar().plant());
      !s.ok())
    return ToGrpcStatus(s);
  auto calendar = CalendarFromProto(request->calendar());
  if (!calendar.ok()) return ToGrpcStatus(calendar.status());

  if (request->etag().size() > 32) return ToGrpcStatus(InvalidField("etag", "is too long"));
  auto stored = store_.SetCalendar(*calendar, request->etag());
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  CalendarToProto(stored->first, stored->second, response);
  return grpc::Status::OK;
}

grpc::Status CalendarServiceImpl::GetCalendar(grpc::ServerContext* context,
                                              const v1::GetCalendarRequest* request,
                                              v1::Calendar* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = PlantAllowed(*caller, "plant", request->plant()); !s.ok())
    return ToGrpcStatus(s);
  auto calendar = store_.GetCalendar(request->plant());
  if (!calendar.ok()) return ToGrpcStatus(calendar.status());
  CalendarToProto(calendar->first, calendar->second, response);
  return grpc::Status::OK;
}

grpc::Status CalendarServiceImpl::ComputeDeadline(grpc::ServerContext* context,
                                                  const v1::ComputeDeadlineRequest* request,
                                                  v1::ComputeDeadlineResponse* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = PlantAllowed(*caller, "plant", request->plant()); !s.ok())
    return ToGrpcStatus(s);
  FieldViolations v;
  if (!request->has_start_time()) v.Add("start_time", "is required");
  CheckTimestamp(v, "start_time", request->start_time());
  Span span;
  const v1::Duration& d = request->duration();
  if (!(d.amount() >= 0 && d.amount() <= 1e5)) v.Add("duration.amount", "must be in [0, 100000]");
  switch (d.unit()) {
    case v1::CALENDAR_HOURS:
    case v1::WORKING_HOURS:
      span.unit = d.unit() == v1::CALENDAR_HOURS ? Unit::kCalendarHours : Unit::kWorkingHours;
      span.time = absl::Seconds(d.amount() * 3600);
      break;
    case v1::WORKING_DAYS:
      span.unit = Unit::kWorkingDays;
      span.days = static_cast<int>(d.amount());
      if (span.days != d.amount()) v.Add("duration.amount", "must be whole working days");
      break;
    default:
      v.Add("duration.unit", "is required");
  }
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  auto calendar = store_.GetCalendar(request->plant());
  if (!calendar.ok()) return ToGrpcStatus(calendar.status());
  auto deadline = Deadline(calendar->first, FromProto(request->start_time()), span);
  if (!deadline.ok()) return ToGrpcStatus(deadline.status());
  ToProto(*deadline, response->mutable_deadline());
  return grpc::Status::OK;
}

// ---- TimerService ----

grpc::Status TimerServiceImpl::ArmTimer(grpc::ServerContext* context,
                                        const v1::ArmTimerRequest* request, v1::Timer* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = PlantAllowed(*caller, "plant", request->plant()); !s.ok())
    return ToGrpcStatus(s);
  FieldViolations v;
  const ArmInput input = ArmInputFromProto(v, *request, "");
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  auto armed = store_.Arm(input);
  if (!armed.ok()) return ToGrpcStatus(armed.status());
  if (auto next = EarliestPending(armed->timer)) engine_.NoteDue(*next);
  TimerToProto(armed->timer, response);
  return grpc::Status::OK;
}

grpc::Status TimerServiceImpl::BatchArmTimers(grpc::ServerContext* context,
                                              const v1::BatchArmTimersRequest* request,
                                              v1::BatchArmTimersResponse* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  for (int i = 0; i < request->requests_size(); ++i) {
    const std::string field = absl::StrCat("requests[", i, "].plant");
    if (absl::Status s = PlantAllowed(*caller, field, request->requests(i).plant()); !s.ok()) {
      return ToGrpcStatus(s);
    }
  }
  FieldViolations v;
  if (request->requests_size() == 0 || request->requests_size() > kMaxBatch) {
    v.Add("requests", absl::StrCat("must hold 1 to ", kMaxBatch, " requests"));
  }
  std::vector<ArmInput> inputs;
  for (int i = 0; i < request->requests_size() && i < kMaxBatch; ++i) {
    inputs.push_back(
        ArmInputFromProto(v, request->requests(i), absl::StrCat("requests[", i, "].")));
  }
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  auto armed = store_.ArmMany(inputs);
  if (!armed.ok()) return ToGrpcStatus(armed.status());
  if (armed->earliest_due) engine_.NoteDue(*armed->earliest_due);
  response->set_armed(armed->armed);
  response->set_existing(armed->existing);
  return grpc::Status::OK;
}

grpc::Status TimerServiceImpl::DisarmTimer(grpc::ServerContext* context,
                                           const v1::DisarmTimerRequest* request,
                                           v1::Timer* response) {
  auto key = AuthorizedKey(*context, *request, store_.policies());
  if (!key.ok()) return ToGrpcStatus(key.status());
  FieldViolations v;
  CheckText(v, "deadline", request->deadline(), kMaxNameLength, false);
  CheckText(v, "request_id", request->request_id(), kMaxRequestIdLength, false);
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  auto disarmed = store_.Disarm(*key, request->deadline());
  if (!disarmed.ok()) return ToGrpcStatus(disarmed.status());
  for (const auto& [deadline, time] : disarmed->responses) {
    metrics_.Responded(key->plant, key->policy, deadline, time);
  }
  TimerToProto(disarmed->timer, response);
  return grpc::Status::OK;
}

grpc::Status TimerServiceImpl::PauseTimer(grpc::ServerContext* context,
                                          const v1::PauseTimerRequest* request,
                                          v1::Timer* response) {
  auto key = AuthorizedKey(*context, *request, store_.policies());
  if (!key.ok()) return ToGrpcStatus(key.status());
  auto timer = store_.Pause(*key);
  if (!timer.ok()) return ToGrpcStatus(timer.status());
  TimerToProto(*timer, response);
  return grpc::Status::OK;
}

grpc::Status TimerServiceImpl::ResumeTimer(grpc::ServerContext* context,
                                           const v1::ResumeTimerRequest* request,
                                           v1::Timer* response) {
  auto key = AuthorizedKey(*context, *request, store_.policies());
  if (!key.ok()) return ToGrpcStatus(key.status());
  auto timer = store_.Resume(*key);
  if (!timer.ok()) return ToGrpcStatus(timer.status());
  if (auto next = EarliestPending(*timer)) engine_.NoteDue(*next);
  TimerToProto(*timer, response);
  return grpc::Status::OK;
}

grpc::Status TimerServiceImpl::GetTimer(grpc::ServerContext* context,
                                        const v1::GetTimerRequest* request, v1::Timer* response) {
  auto key = AuthorizedKey(*context, *request, store_.policies());
  if (!key.ok()) return ToGrpcStatus(key.status());
  auto timer = store_.Get(*key);
  if (!timer.ok()) return ToGrpcStatus(timer.status());
  TimerToProto(*timer, response);
  return grpc::Status::OK;
}

grpc::Status TimerServiceImpl::ListTimers(grpc::ServerContext* context,
                                          const v1::ListTimersRequest* request,
                                          v1::ListTimersResponse* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = PlantAllowed(*caller, "plant", request->plant()); !s.ok())
    return ToGrpcStatus(s);
  FieldViolations v;
  CheckText(v, "policy", request->policy(), kMaxNameLength, false);
  if (!v1::TimerState_IsValid(request->state())) v.Add("state", "is not a timer state");
  if (request->page_size() < 0 || request->page_size() > kMaxPageSize) {
    v.Add("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  TimerFilter filter;
  filter.plant = request->plant();
  if (request->state() != v1::TIMER_STATE_UNSPECIFIED) {
    filter.state = static_cast<TimerState>(static_cast<int>(request->state()));
  }
  filter.policy = request->policy();
  filter.overdue_only = request->overdue_only();
  filter.page_size = request->page_size() == 0 ? kDefaultPageSize : request->page_size();
  const std::string query = absl::StrCat(filter.plant, "|", static_cast<int>(request->state()), "|",
                                         filter.policy, "|", filter.overdue_only);
  auto after = DecodePageToken(request->page_token(), query);
  if (!after.ok()) return ToGrpcStatus(after.status());
  filter.after_id = *after;
  auto timers = store_.List(filter);
  if (!timers.ok()) return ToGrpcStatus(timers.status());
  for (const Timer& t : *timers) TimerToProto(t, response->add_timers());
  if (static_cast<int>(timers->size()) == filter.page_size) {
    response->set_next_page_token(EncodePageToken(timers->back().id, query));
  }
  return grpc::Status::OK;
}

grpc::Status TimerServiceImpl::ListPolicies(grpc::ServerContext* context,
                                            const v1::ListPoliciesRequest*,
                                            v1::ListPoliciesResponse* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  for (const auto& [name, policy] : store_.policies()) {
    v1::Policy* p = response->add_policies();
    p->set_name(name);
    p->set_description(policy.description);
    for (const DeadlineRule& d : policy.deadlines) {
      v1::Deadline* pd = p->add_deadlines();
      pd->set_name(d.name);
      pd->set_duration(d.duration_text);
      pd->set_warn_at_percent(d.warn_at_percent);
      pd->set_warn_before(d.warn_before_text);
      for (const std::string& r : d.roles) pd->add_roles(r);
      for (const EscalationRule& e : d.escalations) {
        v1::Escalation* pe = pd->add_escalations();
        pe->set_level(e.level);
        pe->set_after(e.after_text);
        for (const std::string& r : e.roles) pe->add_roles(r);
      }
    }
  }
  return grpc::Status::OK;
}

// ---- DeliveryService ----

grpc::Status DeliveryServiceImpl::CreateSubscription(grpc::ServerContext* context,
                                                     const v1::CreateSubscriptionRequest* request,
                                                     v1::Subscription* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s =
          PlantOrAllAllowed(*caller, "subscription.plant", request->subscription().plant(), false);
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  const v1::Subscription& in = request->subscription();
  FieldViolations v;
  Subscription s;
  s.plant = in.plant();
  if (s.plant != "*") CheckPlant(v, "subscription.plant", s.plant);
  if (in.roles_size() > static_cast<int>(kMaxRoles)) v.Add("subscription.roles", "too many");
  for (const std::string& r : in.roles()) {
    CheckText(v, "subscription.roles", r, kMaxNameLength);
    if (r.find(',') != std::string::npos) v.Add("subscription.roles", "must not contain ','");
    s.roles.push_back(r);
  }
  switch (in.target_case()) {
    case v1::Subscription::kWebhookUrl:
      s.channel = Channel::kWebhook;
      s.target = in.webhook_url();
      CheckText(v, "subscription.webhook_url", s.target, kMaxTargetLength);
      if (!absl::StartsWith(s.target, "http://") && !absl::StartsWith(s.target, "https://")) {
        v.Add("subscription.webhook_url", "must be an http:// or https:// URL");
      }
      CheckText(v, "subscription.webhook_secret", in.webhook_secret(), 255);
      s.secret = in.webhook_secret();
      break;
    case v1::Subscription::kEmail:
      s.channel = Channel::kEmail;
      s.target = in.email();
      CheckText(v, "subscription.email", s.target, 254);
      if (s.target.find('@') == std::string::npos ||
          s.target.find_first_of("<>\r\n ,") != std::string::npos) {
        v.Add("subscription.email", "is not an e-mail address");
      }
      break;
    default:
      v.Add("subscription.target", "give webhook_url or email");
  }
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  auto created = store_.CreateSubscription(s);
  if (!created.ok()) return ToGrpcStatus(created.status());
  response->set_name(absl::StrCat("subscriptions/", created->id));
  response->set_plant(created->plant);
  for (const std::string& r : created->roles) response->add_roles(r);
  if (created->channel == Channel::kEmail) {
    response->set_email(created->target);
  } else {
    response->set_webhook_url(created->target);
  }
  ToProto(created->create_time, response->mutable_create_time());
  return grpc::Status::OK;
}

grpc::Status DeliveryServiceImpl::ListSubscriptions(grpc::ServerContext* context,
                                                    const v1::ListSubscriptionsRequest* request,
                                                    v1::ListSubscriptionsResponse* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // No plant: every subscription the caller may see (filtered below).
  if (absl::Status s = FilterPlantAllowed(*caller, request->plant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  auto subs = store_.ListSubscriptions(request->plant());
  if (!subs.ok()) return ToGrpcStatus(subs.status());
  for (const Subscription& s : *subs) {
    // A plant's people see their plant's subscriptions; company-wide ones need every plant.
    if (!PlantOrAllAllowed(*caller, "", s.plant, false).ok()) continue;
    v1::Subscription* p = response->add_subscriptions();
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
  return grpc::Status::OK;
}

grpc::Status DeliveryServiceImpl::DeleteSubscription(grpc::ServerContext* context,
                                                     const v1::DeleteSubscriptionRequest* request,
                                                     v1::DeleteSubscriptionResponse*) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto id = SubscriptionId("name", request->name());
  if (!id.ok()) return ToGrpcStatus(id.status());
  auto existing = store_.GetSubscription(*id);
  if (!existing.ok()) return ToGrpcStatus(existing.status());
  if (absl::Status s = PlantOrAllAllowed(*caller, "name", existing->plant, false); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return ToGrpcStatus(store_.DeleteSubscription(*id));
}

grpc::Status DeliveryServiceImpl::ListDeliveries(grpc::ServerContext* context,
                                                 const v1::ListDeliveriesRequest* request,
                                                 v1::ListDeliveriesResponse* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // No plant: the deliveries of every plant the caller may see (filtered below).
  if (absl::Status s = FilterPlantAllowed(*caller, request->plant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  FieldViolations v;
  if (!v1::DeliveryState_IsValid(request->state())) v.Add("state", "is not a delivery state");
  if (request->page_size() < 0 || request->page_size() > kMaxPageSize) {
    v.Add("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  std::optional<DeliveryState> state;
  if (request->state() != v1::DELIVERY_STATE_UNSPECIFIED) {
    state = static_cast<DeliveryState>(static_cast<int>(request->state()));
  }
  auto list = store_.ListDeliveries(request->plant(), state,
                                    request->page_size() ? request->page_size() : kDefaultPageSize);
  if (!list.ok()) return ToGrpcStatus(list.status());
  for (const Delivery& d : *list) {
    if (!caller->MayAccessPlant(d.event.plant)) continue;
    v1::Delivery* p = response->add_deliveries();
    p->set_id(d.id);
    p->set_event_id(d.event.id);
    p->set_subscription(absl::StrCat("subscriptions/", d.subscription_id));
    p->set_state(static_cast<v1::DeliveryState>(static_cast<int>(d.state)));
    p->set_attempts(d.attempts);
    p->set_last_error(d.last_error);
    ToProto(d.next_attempt_time, p->mutable_next_attempt_time());
    if (d.deliver_time) ToProto(*d.deliver_time, p->mutable_deliver_time());
    p->set_plant(d.event.plant);
  }
  return grpc::Status::OK;
}

grpc::Status DeliveryServiceImpl::WatchEvents(grpc::ServerContext* context,
                                              const v1::WatchEventsRequest* request,
                                              grpc::ServerWriter<v1::Event>* writer) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = PlantOrAllAllowed(*caller, "plant", request->plant(), true); !s.ok()) {
    return ToGrpcStatus(s);
  }
  FieldViolations v;
  if (request->after_event_id() < 0) v.Add("after_event_id", "must not be negative");
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  int64_t floor = request->after_event_id();
  if (floor == 0) {
    auto last = store_.LastEventId();
    if (!last.ok()) return ToGrpcStatus(last.status());
    floor = *last;
  }
  // Event ids come from AUTO_INCREMENT, so a replica's transaction may commit a lower id after a
  // higher one is visible. New events are read after the highest id sent (`top`); once a second
  // the window from `floor` is read again for such late commits. `floor` passes an event only when
  // it is older than kSettle; `sent` remembers what was written above it.
  constexpr absl::Duration kSettle = absl::Seconds(30);
  constexpr int kBatch = 1000;
  std::set<int64_t> sent;
  int64_t top = floor;
  uint64_t seen = 0;
  absl::Time next_rescan = absl::Now() + absl::Seconds(1);
  while (!context->IsCancelled()) {
    const bool rescan = absl::Now() >= next_rescan;
    auto events = store_.EventsAfter(rescan ? floor : top, request->plant(), kBatch);
    if (!events.ok()) return ToGrpcStatus(events.status());
    for (const Event& e : *events) {
      if (sent.insert(e.id).second) {
        v1::Event out;
        EventToProto(e, &out);
        if (!writer->Write(out)) return grpc::Status::OK;  // the client went away
      }
      top = std::max(top, e.id);
    }
    if (rescan) {
      const absl::Time settled = absl::Now() - kSettle;
      for (const Event& e : *events) {
        if (e.fire_time >= settled) break;
        floor = e.id;
      }
      sent.erase(sent.begin(), sent.upper_bound(floor));
      next_rescan = absl::Now() + absl::Seconds(1);
    } else if (static_cast<int>(events->size()) == kBatch) {
      continue;
    }
    if (!bus_.Wait(&seen, absl::Milliseconds(250))) break;  // shutting down
  }
  return grpc::Status::OK;
}

}  // namespace qms::notifications
