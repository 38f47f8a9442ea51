// The timer engine in process, on the test MariaDB: its passes (RunOnce) called directly, and its
// loop where the test is about waking.
#include "services/notifications/engine.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>

#include "common/db/migrator.h"
#include "common/loop_passes.h"
#include "services/notifications/migrations.h"
#include "tests/support/eventually.h"
#include "tests/support/test_database.h"

namespace qms::notifications {
namespace {

constexpr char kPolicies[] = R"({"policies": [
  {"name": "test.once", "deadlines": [{"name": "due", "duration": "1s"}]}]})";

class TimerEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db::Migrate(pool_, Migrations()).ok());
    db_now_ = *store_.DatabaseNow();
  }

  // Arms test.once for `subject`, due `due_in` after the database's now.
  void ArmDueIn(const std::string& subject, absl::Duration due_in) {
    ArmInput arm;
    arm.key = {"SZ1", subject, "test.once"};
    arm.start = db_now_ + due_in - absl::Seconds(1);
    ASSERT_TRUE(store_.Arm(arm).ok());
  }

  testing::TestDatabase db_;
  db::ConnectionPool pool_{db_.options()};
  TimerStore store_{pool_, *ParsePolicies(kPolicies)};
  prometheus::Registry registry_;
  NotificationMetrics metrics_{registry_};
  absl::Time db_now_;
};

// A pass fires what is due, and plans the next one: at the earliest pending stage, at most the
// poll interval away, and at once after a full batch.
TEST_F(TimerEngineTest, APassFiresWhatIsDueAndPlansTheNext) {
  EngineOptions options;
  options.poll_interval = absl::Seconds(30);
  options.batch_size = 2;
  TimerEngine engine(store_, metrics_, options, nullptr);
  for (const char* s : {"plants/SZ1/x/1", "plants/SZ1/x/2", "plants/SZ1/x/3"}) {
    ArmDueIn(s, -absl::Hours(1));
  }
  ArmDueIn("plants/SZ1/x/later", absl::Seconds(10));

  absl::StatusOr<int> fired = engine.RunOnce();
  ASSERT_TRUE(fired.ok()) << fired.status();
  EXPECT_EQ(*fired, 2);
  EXPECT_EQ(engine.NextPass(), absl::InfinitePast()) << "a full batch: the next pass at once";

  fired = engine.RunOnce();
  ASSERT_TRUE(fired.ok()) << fired.status();
  EXPECT_EQ(*fired, 1);
  const absl::Duration until = engine.NextPass() - absl::Now();
  EXPECT_GT(until, absl::Seconds(5)) << "the pending stage is 10 s away";
  EXPECT_LT(until, absl::Seconds(11)) << "not the 30 s poll";

  fired = engine.RunOnce();
  ASSERT_TRUE(fired.ok());
  EXPECT_EQ(*fired, 0);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM firings"), 3);
}

// A NoteDue made while a pass runs (a timer this replica armed as the pass read the next due
// time) is not lost when the pass ends: before, the pass overwrote it with its own plan, and the
// engine could sleep a whole poll interval past the noted stage. The loop here must run its second
// pass within seconds although the poll interval is 30 s.
TEST_F(TimerEngineTest, ANoteDueDuringAPassSurvivesThePass) {
  ArmDueIn("plants/SZ1/x/1", -absl::Hours(1));  // due long ago: the first pass fires it
  EngineOptions options;
  options.poll_interval = absl::Seconds(30);
  std::unique_ptr<TimerEngine> engine;
  const absl::Time noted = db_now_ + absl::Milliseconds(200);  // database clock
  engine = std::make_unique<TimerEngine>(
      store_, metrics_, options, [&](const std::vector<Event>&) { engine->NoteDue(noted); });
  const int64_t before = LoopPasses("engine");
  engine->Start();
  EXPECT_TRUE(testing::Eventually([&] { return LoopPasses("engine") >= before + 2; }))
      << "the second pass waited for the poll, not the noted stage";
  // And a pass with nothing noted sleeps the poll interval (nothing else is pending).
  EXPECT_TRUE(testing::Eventually(
      [&] { return engine->NextWake() > absl::Now() + absl::Seconds(20); }, absl::Seconds(5)));
  engine->Stop();
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM firings"), 1);
}

}  // namespace
}  // namespace qms::notifications
