#include "tests/bench/write_set.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/migrator.h"
#include "common/db/transaction.h"
#include "common/outbox_relay.h"
#include "common/read_file.h"
#include "services/complaints/complaint_store.h"
#include "services/complaints/migrations.h"
#include "services/notifications/migrations.h"
#include "services/notifications/timer_store.h"

namespace qms::bench {

struct WriteSet::State {
  WriteSetOptions options;
  db::ConnectionPool complaints_pool;
  db::ConnectionPool notifications_pool;
  std::unique_ptr<notifications::TimerStore> timers;
  std::unique_ptr<complaints::ComplaintStore> store;
  std::unique_ptr<outbox::Relay> relay;
  std::atomic<int64_t> unique{0};

  explicit State(const WriteSetOptions& o)
      : options(o), complaints_pool(o.complaints), notifications_pool(o.notifications) {}
};

namespace {

// What the relay's timer sender does at the notification service, minus gRPC: consecutive arms
// in batches of 500, each batch one ArmMany, idempotent by the outbox row's id.
outbox::Relay::Send ArmInProcess(notifications::TimerStore& timers) {
  return [&timers](const std::vector<outbox::StoredMessage>& messages) {
    std::vector<absl::Status> results;
    for (size_t i = 0; i < messages.size(); i += 500) {
      std::vector<notifications::ArmInput> arms;
      for (size_t k = i; k < messages.size() && k < i + 500; ++k) {
        const outbox::Message& m = messages[k].message;
        notifications::ArmInput in;
        in.key = {m.plant, m.subject, m.policy};
        in.start = m.start;
        in.due = m.due;
        in.request_id = absl::StrCat("complaints/outbox/", messages[k].id);
        in.customer = m.customer;
        arms.push_back(std::move(in));
      }
      const absl::Status s = timers.ArmMany(arms).status();
      results.insert(results.end(), arms.size(), s);
      if (!s.ok()) break;
    }
    return results;
  };
}

}  // namespace

WriteSet::WriteSet(std::unique_ptr<State> state) : state_(std::move(state)) {}

WriteSet::~WriteSet() {
  if (state_ && state_->relay) state_->relay->Stop();
}

absl::StatusOr<std::unique_ptr<WriteSet>> WriteSet::Open(const WriteSetOptions& options) {
  auto state = std::make_unique<State>(options);
  for (auto [pool, migrations] :
       {std::pair{&state->complaints_pool, &complaints::Migrations()},
        std::pair{&state->notifications_pool, &notifications::Migrations()}}) {
    if (auto migrated = db::Migrate(*pool, *migrations); !migrated.ok()) return migrated.status();
  }
  auto content = ReadFile(options.policies_file);
  if (!content.ok()) return content.status();
  auto policies = notifications::ParsePolicies(*content);
  if (!policies.ok()) return policies.status();
  state->timers =
      std::make_unique<notifications::TimerStore>(state->notifications_pool, *std::move(policies));
  complaints::StoreOptions store;
  store.create_batch_max = options.create_batch_max;
  state->store = std::make_unique<complaints::ComplaintStore>(state->complaints_pool, store);
  state->relay = std::make_unique<outbox::Relay>(
      state->complaints_pool, ArmInProcess(*state->timers), outbox::RelayOptions{}, nullptr);
  state->relay->Start();
  return std::unique_ptr<WriteSet>(new WriteSet(std::move(state)));
}

LoadResult WriteSet::Run(int callers, absl::Duration warmup, absl::Duration duration) {
  State& s = *state_;
  const complaints::Actor actor{"bench", {"sales"}};
  return RunClosedLoop(callers, warmup, duration, [&](int, int64_t) -> std::string {
    const int64_t n = s.unique.fetch_add(1);
    complaints::Intake intake;
    intake.customer = absl::StrCat("CUST-", n);
    intake.part_number = absl::StrCat("PN-", n);
    intake.defect_code = absl::StrCat("D", n % 97);
    intake.defect_description = "burr on the housing edge";
    intake.quantity_delivered = 1000;
    intake.quantity_defective = 12;
    intake.channel = complaints::Channel::kEmail;
    const std::string plant =
        s.options.plants <= 1 ? "SZ1" : absl::StrCat("P", n % s.options.plants);
    auto created = s.store->Create(plant, intake, absl::StrCat("ws-", getpid(), "-", n), actor);
    return created.ok() ? "" : std::string(created.status().message());
  });
}

double WriteSet::Drain() {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < absl::Minutes(2)) {
    int64_t left = -1;
    (void)db::RunOnConnection(state_->complaints_pool, [&](db::Connection& c) -> absl::Status {
      std::unique_ptr<sql::ResultSet> rows(c.Prepare("SELECT COUNT(*) FROM outbox").executeQuery());
      if (rows->next()) left = rows->getInt64(1);
      return absl::OkStatus();
    });
    if (left == 0) break;
    state_->relay->Wake();
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

}  // namespace qms::bench
