// The SQL of what fired stages lead to: the events (firings) boards read, the subscriptions that
// want them, and the deliveries to those subscriptions with their leases and results. One
// transaction per use case; times from the database clock.
#ifndef QMS_SERVICES_NOTIFICATIONS_DELIVERY_STORE_H_
#define QMS_SERVICES_NOTIFICATIONS_DELIVERY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"
#include "services/notifications/timer.h"

namespace qms::notifications {

enum class Channel { kWebhook = 1, kEmail = 2 };

struct Subscription {
  int64_t id = 0;
  std::string plant;  // "*" for every plant
  std::vector<std::string> roles;
  Channel channel = Channel::kWebhook;
  std::string target;  // URL or address
  std::string secret;
  absl::Time create_time;
};

// Whether `subscription` wants `event`: its plant (or every plant) and, when it names roles, one
// of the event's.
bool Matches(const Subscription& subscription, const Event& event);

enum class DeliveryState { kPending = 1, kDelivered = 2, kDead = 3 };

struct Delivery {
  int64_t id = 0;
  int64_t subscription_id = 0;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  std::string last_error;
  absl::Time next_attempt_time;
  std::optional<absl::Time> deliver_time;
  Event event;
  // Filled by ClaimDeliveries only.
  int64_t lease_token = 0;  // the claim's: recording a result needs it
  Channel channel = Channel::kWebhook;
  std::string target;
  std::string secret;
};

// The plants a list shows: `plants` (a plant-scoped caller's, or the one asked for), or every
// plant when `all` (a company-wide caller); only then the company-wide subscriptions ("*") too.
struct PlantScope {
  std::vector<std::string> plants;
  bool all = false;
};

// A keyset page: at most `size` rows after the row `after_id` (0: from the start).
struct PageRequest {
  int size = 50;
  int64_t after_id = 0;
};

// Inside the engine's firing transaction (TimerStore::FireDue): the events of the firings it
// inserted under `batch`, and a pending delivery for every subscription each one matches.
absl::StatusOr<std::vector<Event>> RecordFirings(db::Connection& conn, int64_t batch,
                                                 absl::Time now);

class DeliveryStore {
 public:
  explicit DeliveryStore(db::ConnectionPool& pool) : pool_(pool) {}

  // ---- events ----
  // Events after `after_id` of `plant` (empty: every plant), oldest first.
  absl::StatusOr<std::vector<Event>> EventsAfter(int64_t after_id, const std::string& plant,
                                                 int limit);
  absl::StatusOr<int64_t> LastEventId();

  // ---- subscriptions ----
  absl::StatusOr<Subscription> CreateSubscription(const Subscription& subscription);
  // Oldest first, at most page.size + 1 (one more tells that there is a next page).
  absl::StatusOr<std::vector<Subscription>> ListSubscriptions(const PlantScope& scope,
                                                              const PageRequest& page);
  absl::StatusOr<Subscription> GetSubscription(int64_t id);  // NOT_FOUND when deleted
  absl::Status DeleteSubscription(int64_t id);

  // ---- deliveries ----
  // Newest first, at most page.size + 1, the plants filtered in the query (a plant-scoped
  // caller's page is full of its own plants' deliveries).
  absl::StatusOr<std::vector<Delivery>> ListDeliveries(const PlantScope& scope,
                                                       std::optional<DeliveryState> state,
                                                       const PageRequest& page);
  // Leases up to `limit` due deliveries for `lease` (another replica takes them only after it)
  // under a token of this claim.
  absl::StatusOr<std::vector<Delivery>> ClaimDeliveries(int limit, absl::Duration lease);
  // Records the result of a claimed delivery. FAILED_PRECONDITION, nothing written, when the
  // row is no longer pending under `d`'s lease token (the lease ran out and another claim took
  // it): a late result never overwrites a newer one.
  absl::Status MarkDelivered(const Delivery& d);
  // Schedules another attempt after `backoff`, or marks the delivery dead when `dead`.
  absl::Status MarkFailed(const Delivery& d, const std::string& error, absl::Duration backoff,
                          bool dead);

 private:
  db::ConnectionPool& pool_;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_DELIVERY_STORE_H_
