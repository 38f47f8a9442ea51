// Deliveries of fired stages to the outside world: webhooks (a JSON POST signed with
// HMAC-SHA256) and e-mail (SMTP), through libcurl. Each delivery is a durable row; a worker leases
// due rows (so replicas share them and a crash only delays one), attempts them, and records the
// result: delivered, another attempt after an exponential backoff, or dead after max_attempts.
// Receivers get the event id as idempotency key (header X-QMS-Event-Id), because a crash between
// sending and recording means the same event may be sent twice.
#ifndef QMS_SERVICES_NOTIFICATIONS_DELIVERY_H_
#define QMS_SERVICES_NOTIFICATIONS_DELIVERY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/periodic_task.h"
#include "services/notifications/delivery_store.h"
#include "services/notifications/metrics.h"

namespace qms::notifications {

struct DeliveryOptions {
  int batch_size = 20;
  absl::Duration poll_interval = absl::Seconds(1);
  // How long a claim holds its rows; at least (batch_size + 1) x timeout, whatever is set.
  absl::Duration lease = absl::Seconds(60);
  absl::Duration timeout = absl::Seconds(5);
  absl::Duration first_backoff = absl::Seconds(2);
  absl::Duration max_backoff = absl::Minutes(30);
  int max_attempts = 8;
  std::string smtp_url;  // e.g. smtp://mail.plant.local:25
  std::string mail_from = "qms-notifications@localhost";
};

// The JSON body of a webhook, also the text of an e-mail.
std::string EventJson(const Event& event);
// The value of the X-QMS-Signature header: "sha256=" + hex HMAC-SHA256 over
// "<X-QMS-Timestamp>.<body>" with the subscription's secret.
std::string WebhookSignature(const std::string& secret, const std::string& timestamp,
                             const std::string& body);

absl::Status PostWebhook(const std::string& url, const std::string& secret, const Event& event,
                         absl::Duration timeout);
absl::Status SendEmail(const DeliveryOptions& options, const std::string& to, const Event& event);

class Deliverer {
 public:
  Deliverer(DeliveryStore& store, NotificationMetrics& metrics, DeliveryOptions options);

  void Start() { task_.Start(); }
  void Stop() { task_.Stop(); }
  void Wake() { task_.Wake(); }
  // One batch on the caller's thread: how many deliveries were attempted.
  int RunOnce();

 private:
  DeliveryStore& store_;
  NotificationMetrics& metrics_;
  const DeliveryOptions options_;
  PeriodicTask task_;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_DELIVERY_H_
