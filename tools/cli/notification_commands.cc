// `qms timers …`, `qms calendar …` and `qms watch`: the notification service's response timers,
// the plants' working calendars, and the live firings for a board.
#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/cli/commands.h"

namespace qms::cli {
namespace {

constexpr char kService[] = "notifications";

bool Breached(const Json& timer) {
  const Json stages = timer.value("stages", Json::array());
  return std::any_of(stages.begin(), stages.end(), [](const Json& stage) {
    return stage.value("kind", "") == "BREACH" && stage.value("state", "") == "FIRED";
  });
}

void AddTimers(CLI::App& app, Context& context) {
  CLI::App* timers = app.add_subcommand("timers", "Response timers: open, overdue, breached");
  timers->require_subcommand(1);
  struct Options {
    std::string plant;
    std::string policy;
    std::string which = "open";
    int limit = 200;
  };
  auto o = std::make_shared<Options>();
  CLI::App* list = Command(*timers, "list", "The plant's timers, oldest first", [&context, o] {
    Json request = {{"plant", o->plant}};
    if (!o->policy.empty()) request["policy"] = o->policy;
    if (o->which == "open") request["state"] = "ARMED";
    if (o->which == "overdue") request["overdueOnly"] = true;
    Json reply = ListPages(context.client, kService, "ListTimers", request, "timers", o->limit);
    if (o->which == "breached") {
      Json kept = Json::array();
      for (Json& timer : reply["timers"]) {
        if (Breached(timer)) kept.push_back(std::move(timer));
      }
      reply["timers"] = std::move(kept);
    }
    Emit(context, reply, [&] { PrintTimers(std::cout, reply["timers"], /*with_subject=*/true); });
  });
  list->add_option("-p,--plant", o->plant, "The plant (default $QMS_PLANT)")
      ->envname("QMS_PLANT")
      ->required();
  list->add_option("which", o->which,
                   "open (armed, the default), overdue (breached and not stopped), breached (a "
                   "breach fired, stopped since or not) or all")
      ->check(CLI::IsMember({"open", "overdue", "breached", "all"}))
      ->capture_default_str();
  list->add_option("--policy", o->policy, "Only this policy's (e.g. complaint.containment)");
  list->add_option("-n,--limit", o->limit, "At most this many read")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  Command(*timers, "policies", "The timer policies: deadlines, warnings, escalations", [&context] {
    const Json reply = context.client.Call(kService, "ListPolicies", Json::object());
    Emit(context, reply, [&] {
      PrintTable(std::cout, reply.value("policies", Json::array()),
                 {{"POLICY", "name"},
                  {"DEADLINE", "deadlines.name"},
                  {"WITHIN", "deadlines.duration"},
                  {"ROLES", "deadlines.roles"},
                  {"DESCRIPTION", "description"}});
    });
  });
}

void AddCalendar(CLI::App& app, Context& context) {
  CLI::App* calendar =
      app.add_subcommand("calendar", "A plant's working calendar: week, holidays, deadlines");
  calendar->require_subcommand(1);
  auto plant = std::make_shared<std::string>();
  CLI::App* show =
      Command(*calendar, "show", "The plant's working week and days off", [&context, plant] {
        const Json reply = context.client.Call(kService, "GetCalendar", {{"plant", *plant}});
        Emit(context, reply, [&] {
          PrintRecord(std::cout, reply,
                      {{"plant", "plant"},
                       {"time zone", "timeZone"},
                       {"default calendar", "isDefault"},
                       {"holidays", "holidays"},
                       {"extra working days", "extraWorkingDays"},
                       {"updated", "updateTime"},
                       {"etag", "etag"}});
          static const char* const kDays[] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
          for (const Json& day : reply.value("week", Json::array())) {
            std::vector<std::string> windows;
            for (const Json& w : day.value("windows", Json::array())) {
              windows.push_back(absl::StrCat(w.value("start", ""), "-", w.value("end", "")));
            }
            std::cout << kDays[std::clamp(day.value("weekday", 0), 0, 7)] << "  "
                      << absl::StrJoin(windows, ", ") << "\n";
          }
        });
      });
  show->add_option("plant", *plant, "The plant")->required();

  struct Change {
    std::string plant;
    std::vector<std::string> dates;
    bool remove = false;
  };
  auto change = std::make_shared<Change>();
  CLI::App* holiday = Command(
      *calendar, "holiday", "Add (or --remove) days off; open timers of the plant are recomputed",
      [&context, change] {
        Json current = context.client.Call(kService, "GetCalendar", {{"plant", change->plant}});
        std::vector<std::string> days = current.value("holidays", std::vector<std::string>{});
        for (const std::string& date : change->dates) {
          days.erase(std::remove(days.begin(), days.end(), date), days.end());
          if (!change->remove) days.push_back(date);
        }
        std::sort(days.begin(), days.end());
        const std::string etag = current.value("etag", "");
        for (const char* output_only : {"etag", "updateTime", "isDefault"}) {
          current.erase(output_only);
        }
        current["holidays"] = days;
        const Json reply =
            context.client.Call(kService, "SetCalendar", {{"calendar", current}, {"etag", etag}});
        Emit(context, reply, [&] {
          std::cout << reply.value("plant", "") << " holidays: " << Cell(reply, "holidays") << "\n";
        });
      });
  holiday->add_option("plant", change->plant, "The plant")->required();
  holiday->add_option("dates", change->dates, "YYYY-MM-DD, plant-local")->required();
  holiday->add_flag("--remove", change->remove, "Remove these days off instead");

  struct Deadline {
    std::string plant;
    std::string start;
    double amount = 0;
    std::string unit = "WORKING_DAYS";
  };
  auto deadline = std::make_shared<Deadline>();
  CLI::App* compute = Command(
      *calendar, "deadline", "When a duration after a start ends in the plant's calendar",
      [&context, deadline] {
        Json request = {{"plant", deadline->plant},
                        {"duration", {{"amount", deadline->amount}, {"unit", deadline->unit}}}};
        if (!deadline->start.empty()) request["startTime"] = ToRfc3339("--start", deadline->start);
        const Json reply = context.client.Call(kService, "ComputeDeadline", request);
        Emit(context, reply, [&] { std::cout << Cell(reply, "deadline") << " UTC\n"; });
      });
  compute->add_option("plant", deadline->plant, "The plant")->required();
  compute->add_option("amount", deadline->amount, "How many")->required();
  compute->add_option("unit", deadline->unit, "CALENDAR_HOURS, WORKING_HOURS or WORKING_DAYS")
      ->check(CLI::IsMember({"CALENDAR_HOURS", "WORKING_HOURS", "WORKING_DAYS"}))
      ->capture_default_str();
  compute->add_option("--start", deadline->start,
                      "From when (RFC 3339, or YYYY-MM-DD HH:MM UTC; default now)");
}

void AddWatch(CLI::App& app, Context& context) {
  struct Options {
    std::string plant;
    int64_t after = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* watch = Command(
      app, "watch", "The live firings (warnings, breaches, escalations) of a plant, as they happen",
      [&context, o] {
        if (!context.json) {
          std::cout << "watching " << (o->plant.empty() ? "every plant" : o->plant)
                    << " (Ctrl-C stops)\n"
                    << absl::StrFormat("%-7s %-16s %-5s %-12s %-18s %-22s %-22s %s", "EVENT",
                                       "FIRED", "PLANT", "KIND", "DEADLINE", "SUBJECT", "CUSTOMER",
                                       "ROLES")
                    << std::endl;
        }
        Json request = Json::object();
        if (!o->plant.empty()) request["plant"] = o->plant;
        if (o->after > 0) request["afterEventId"] = o->after;
        context.client.Stream(kService, "WatchEvents", request, [&](const Json& event) {
          if (context.json) {
            std::cout << event.dump() << std::endl;
            return;
          }
          const std::string kind = StageName(event);
          std::cout << absl::StrFormat("%-7s %-16s %-5s %-12s %-18s %-22s %-22s %s",
                                       Cell(event, "id"), Cell(event, "fireTime"),
                                       Cell(event, "plant"), kind, Cell(event, "deadline"),
                                       Cell(event, "@subject"), Cell(event, "customer"),
                                       Cell(event, "roles"))
                    << std::endl;
        });
      });
  watch->add_option("-p,--plant", o->plant, "The plant (default $QMS_PLANT; none: every plant)")
      ->envname("QMS_PLANT");
  watch->add_option("--after", o->after, "Replay from after this event id (resume a board)");
}

}  // namespace

void AddNotificationCommands(CLI::App& app, Context& context) {
  AddTimers(app, context);
  AddCalendar(app, context);
  AddWatch(app, context);
}

}  // namespace qms::cli
