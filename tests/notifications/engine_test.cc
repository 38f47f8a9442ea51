// The timer engine in process, on the test MariaDB: RunOnce is called directly, no loop runs.
#include "services/notifications/engine.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>

#include "common/db/migrator.h"
#include "services/notifications/migrations.h"
#include "tests/support/test_database.h"

namespace qms::notifications {
namespace {

constexpr char kPolicies[] = R"({"policies": [
  {"name": "test.once", "deadlines": [{"name": "due", "duration": "1s"}]}]})";

// A NoteDue made while a pass runs (a timer this replica armed as the pass read the next due
// time) is not lost when the pass ends: before, the pass overwrote it with its own next wake, and
// the engine could sleep a whole poll interval past the noted stage.
TEST(TimerEngine, ANoteDueDuringAPassSurvivesThePass) {
  testing::TestDatabase db;
  db::ConnectionPool pool(db.options());
  ASSERT_TRUE(db::Migrate(pool, Migrations()).ok());
  const Policies policies = *ParsePolicies(kPolicies);
  TimerStore store(pool, policies);
  prometheus::Registry registry;
  NotificationMetrics metrics(registry);
  const absl::Time db_now = *store.DatabaseNow();
  ArmInput arm;
  arm.key = {"SZ1", "plants/SZ1/x/1", "test.once"};
  arm.start = db_now - absl::Hours(1);  // due long ago: this pass fires it
  ASSERT_TRUE(store.Arm(arm).ok());

  EngineOptions options;
  options.poll_interval = absl::Seconds(30);
  std::unique_ptr<TimerEngine> engine;
  const absl::Time noted = db_now + absl::Milliseconds(200);  // database clock
  engine = std::make_unique<TimerEngine>(
      store, metrics, options, [&](const std::vector<Event>&) { engine->NoteDue(noted); });
  absl::StatusOr<int> fired = engine->RunOnce();
  ASSERT_TRUE(fired.ok()) << fired.status();
  EXPECT_EQ(*fired, 1);
  // On the local clock the noted stage is due within about 200 ms; the poll is 30 s away.
  EXPECT_LT(engine->NextWake(), absl::Now() + absl::Seconds(5));

  // And a pass with nothing noted sleeps the poll interval (nothing else is pending).
  ASSERT_TRUE(engine->RunOnce().ok());
  EXPECT_GT(engine->NextWake(), absl::Now() + absl::Seconds(20));
}

}  // namespace
}  // namespace qms::notifications
