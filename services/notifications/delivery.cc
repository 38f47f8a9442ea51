#include "services/notifications/delivery.h"

#include <curl/curl.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/sha256.h"

namespace qms::notifications {
namespace {

struct Curl {
  Curl() : handle(curl_easy_init()) {}
  ~Curl() {
    if (headers) curl_slist_free_all(headers);
    if (recipients) curl_slist_free_all(recipients);
    if (handle) curl_easy_cleanup(handle);
  }
  CURL* handle;
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;
};

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

struct Upload {
  const std::string* text;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->text->size() - up->offset);
  std::copy_n(up->text->data() + up->offset, n, buffer);
  up->offset += n;
  return n;
}

std::string Timestamp(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

}  // namespace

std::string EventJson(const Event& e) {
  nlohmann::json j = {{"event_id", e.id},
                      {"plant", e.plant},
                      {"subject", e.subject},
                      {"policy", e.policy},
                      {"deadline", e.deadline},
                      {"kind", KindName(e.kind)},
                      {"level", e.level},
                      {"roles", e.roles},
                      {"due_time", Timestamp(e.due)},
                      {"fire_time", Timestamp(e.fire_time)}};
  return j.dump();
}

std::string WebhookSignature(const std::string& secret, const std::string& timestamp,
                             const std::string& body) {
  return absl::StrCat("sha256=", HmacSha256Hex(secret, absl::StrCat(timestamp, ".", body)));
}

absl::Status PostWebhook(const std::string& url, const std::string& secret, const Event& event,
                         absl::Duration timeout) {
  Curl curl;
  if (!curl.handle) return absl::InternalError("curl_easy_init failed");
  const std::string body = EventJson(event);
  const std::string timestamp = absl::StrCat(absl::ToUnixSeconds(absl::Now()));
  for (const std::string& h :
       {std::string("Content-Type: application/json"), absl::StrCat("X-QMS-Event-Id: ", event.id),
        absl::StrCat("X-QMS-Timestamp: ", timestamp),
        absl::StrCat("X-QMS-Signature: ", WebhookSignature(secret, timestamp, body))}) {
    curl.headers = curl_slist_append(curl.headers, h.c_str());
  }
  curl_easy_setopt(curl.handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.handle, CURLOPT_HTTPHEADER, curl.headers);
  curl_easy_setopt(curl.handle, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl.handle, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(curl.handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.handle, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl.handle, CURLOPT_PROTOCOLS_STR, "http,https");
  const CURLcode rc = curl_easy_perform(curl.handle);
  if (rc != CURLE_OK) return absl::UnavailableError(curl_easy_strerror(rc));
  long code = 0;
  curl_easy_getinfo(curl.handle, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code >= 300) {
    return absl::UnavailableError(absl::StrCat("webhook answered HTTP ", code));
  }
  return absl::OkStatus();
}

absl::Status SendEmail(const DeliveryOptions& options, const std::string& to, const Event& e) {
  if (options.smtp_url.empty()) return absl::FailedPreconditionError("no --smtp_url configured");
  Curl curl;
  if (!curl.handle) return absl::InternalError("curl_easy_init failed");
  const std::string message =
      absl::StrCat("From: <", options.mail_from, ">\r\nTo: <", to, ">\r\nSubject: [QMS ", e.plant,
                   "] ", KindName(e.kind), " ", e.policy, " ", e.deadline, " for ", e.subject,
                   "\r\nMessage-ID: <qms-event-", e.id, "@", e.plant, ">\r\nX-QMS-Event-Id: ", e.id,
                   "\r\nContent-Type: application/json\r\n\r\n", EventJson(e), "\r\n");
  Upload upload{&message};
  curl.recipients = curl_slist_append(curl.recipients, absl::StrCat("<", to, ">").c_str());
  curl_easy_setopt(curl.handle, CURLOPT_URL, options.smtp_url.c_str());
  curl_easy_setopt(curl.handle, CURLOPT_MAIL_FROM,
                   absl::StrCat("<", options.mail_from, ">").c_str());
  curl_easy_setopt(curl.handle, CURLOPT_MAIL_RCPT, curl.recipients);
  curl_easy_setopt(curl.handle, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl.handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl.handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl.handle, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options.timeout)));
  curl_easy_setopt(curl.handle, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl.handle);
  if (rc != CURLE_OK) return absl::UnavailableError(curl_easy_strerror(rc));
  return absl::OkStatus();
}

Deliverer::Deliverer(DeliveryStore& store, NotificationMetrics& metrics, DeliveryOptions options)
    : store_(store),
      metrics_(metrics),
      options_(std::move(options)),
      task_("deliveries", options_.poll_interval, [this] { RunOnce(); }) {}

int Deliverer::RunOnce() {
  // The lease covers the whole batch, sent one after another, each up to the timeout: a live
  // worker never loses a row it has yet to send to another replica's claim.
  const absl::Duration lease =
      std::max(options_.lease, options_.timeout * (options_.batch_size + 1));
  absl::StatusOr<std::vector<Delivery>> batch = store_.ClaimDeliveries(options_.batch_size, lease);
  if (!batch.ok()) {
    spdlog::warn("claiming deliveries failed: {}", batch.status().ToString());
    return 0;
  }
  for (const Delivery& d : *batch) {
    const absl::Status sent = d.channel == Channel::kEmail
                                  ? SendEmail(options_, d.target, d.event)
                                  : PostWebhook(d.target, d.secret, d.event, options_.timeout);
    absl::Status recorded;
    const char* result = "delivered";
    if (sent.ok()) {
      recorded = store_.MarkDelivered(d);
    } else {
      const bool dead = d.attempts >= options_.max_attempts;
      const absl::Duration backoff = std::min(
          options_.max_backoff, options_.first_backoff * (1 << std::min(d.attempts - 1, 20)));
      recorded = store_.MarkFailed(d, std::string(sent.message()), backoff, dead);
      result = dead ? "dead" : "retry";
      spdlog::warn("delivery id={} event={} channel={} attempt={} failed: {}{}", d.id, d.event.id,
                   ChannelName(d.channel), d.attempts, std::string(sent.message()),
                   dead ? " (dead)" : "");
    }
    if (recorded.code() == absl::StatusCode::kFailedPrecondition) result = "lease_lost";
    metrics_.Delivery(d.channel, result);
    if (!recorded.ok()) {
      spdlog::warn("recording delivery {} failed: {}", d.id, recorded.ToString());
    }
  }
  // A full batch: there may be more due at once.
  if (static_cast<int>(batch->size()) >= options_.batch_size) task_.Wake();
  return static_cast<int>(batch->size());
}

}  // namespace qms::notifications
