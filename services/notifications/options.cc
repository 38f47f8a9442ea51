#include "services/notifications/options.h"

#include <algorithm>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/read_file.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, metric_customers, "",
          "Key customers (comma list) named in qms_timer_breaches_total's customer label; every "
          "other customer counts there as \"other\", which keeps the label bounded");
ABSL_FLAG(std::string, policies_files, "",
          "Comma-separated timer policy files, one per service that arms timers (its "
          "policies.json); a policy named again in a later file replaces the earlier one");
ABSL_FLAG(int32_t, engine_batch_size, 500, "Stages claimed per engine transaction");
ABSL_FLAG(absl::Duration, engine_poll_interval, absl::Seconds(1),
          "Longest sleep of the engine (other replicas' arms are seen by this poll)");
ABSL_FLAG(std::string, smtp_url, "", "SMTP server for e-mail deliveries, e.g. smtp://mail:25");
ABSL_FLAG(std::string, mail_from, "qms-notifications@localhost", "Sender of e-mail deliveries");
ABSL_FLAG(absl::Duration, delivery_first_backoff, absl::Seconds(2),
          "Wait before the second attempt of a failed delivery; doubles each attempt");
ABSL_FLAG(absl::Duration, delivery_max_backoff, absl::Minutes(30), "Longest wait between attempts");
ABSL_FLAG(int32_t, delivery_max_attempts, 8, "Attempts before a delivery is marked dead");
ABSL_FLAG(absl::Duration, open_timers_refresh, absl::Seconds(5),
          "How often qms_timers_open is recounted from the database");
ABSL_FLAG(absl::Duration, delivery_timeout, absl::Seconds(5), "Timeout of one delivery attempt");
ABSL_FLAG(int32_t, event_window, 20000,
          "Fired events kept in memory for WatchEvents streams; a stream further behind ends "
          "with ABORTED and watches again from its last event");
ABSL_FLAG(absl::Duration, delivery_lease, absl::Seconds(60),
          "How long a worker holds the deliveries it claimed; at least (batch + 1) x timeout");

namespace qms::notifications {

absl::StatusOr<Options> OptionsFromFlags() {
  Options o;
  for (absl::string_view file :
       absl::StrSplit(absl::GetFlag(FLAGS_policies_files), ',', absl::SkipEmpty())) {
    auto content = ReadFile(std::string(file));
    if (!content.ok()) return content.status();
    auto policies = ParsePolicies(*content);
    if (!policies.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": ", policies.status().message()));
    }
    for (auto& [name, policy] : *policies) o.policies.insert_or_assign(name, std::move(policy));
  }
  if (o.policies.empty()) spdlog::warn("no --policies_files: every ArmTimer will be refused");

  o.engine.batch_size = absl::GetFlag(FLAGS_engine_batch_size);
  o.engine.poll_interval = absl::GetFlag(FLAGS_engine_poll_interval);
  o.delivery.smtp_url = absl::GetFlag(FLAGS_smtp_url);
  o.delivery.mail_from = absl::GetFlag(FLAGS_mail_from);
  o.delivery.first_backoff = absl::GetFlag(FLAGS_delivery_first_backoff);
  o.delivery.max_backoff = absl::GetFlag(FLAGS_delivery_max_backoff);
  o.delivery.max_attempts = absl::GetFlag(FLAGS_delivery_max_attempts);
  o.delivery.lease = absl::GetFlag(FLAGS_delivery_lease);
  o.delivery.timeout = absl::GetFlag(FLAGS_delivery_timeout);
  o.open_timers_refresh = absl::GetFlag(FLAGS_open_timers_refresh);
  o.events.window = static_cast<size_t>(std::max(10, absl::GetFlag(FLAGS_event_window)));
  for (absl::string_view c :
       absl::StrSplit(absl::GetFlag(FLAGS_metric_customers), ',', absl::SkipEmpty())) {
    o.metric_customers.insert(std::string(absl::StripAsciiWhitespace(c)));
  }
  return o;
}

}  // namespace qms::notifications
