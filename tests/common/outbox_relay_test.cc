// The outbox relay's passes (RunOnce) on the test MariaDB, with the shared outbox tables alone and
// a receiver the test plays: no loop runs, each pass is called and its effect read back.
#include "common/outbox_relay.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/db/migrator.h"
#include "common/db/transaction.h"
#include "common/outbox.h"
#include "tests/support/test_database.h"

namespace qms::outbox {
const std::vector<db::Migration>& Migrations();  // the shared tables alone (tests/CMakeLists.txt)

namespace {

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(db::Migrate(pool_, Migrations()).ok()); }

  // Commits one outbox row per subject, in order.
  void Enqueue(const std::vector<std::string>& subjects) {
    std::vector<Message> messages;
    for (const std::string& s : subjects) {
      Message m;
      m.kind = "arm";
      m.plant = "SZ1";
      m.subject = s;
      m.policy = "complaint.containment";
      m.start = absl::Now();
      messages.push_back(m);
    }
    ASSERT_TRUE(db::RunInTransaction(pool_, [&](db::Connection& conn) {
                  EnqueueAll(conn, messages, absl::Now());
                  return absl::OkStatus();
                }).ok());
  }

  // A relay whose receiver answers `answer(subject)` and records what it was sent.
  Relay MakeRelay(std::function<absl::Status(const std::string&)> answer) {
    return Relay(
        pool_,
        [this, answer](const std::vector<StoredMessage>& batch) {
          std::vector<absl::Status> results;
          for (const StoredMessage& m : batch) {
            sent_.push_back(m.message.subject);
            results.push_back(answer(m.message.subject));
            if (!results.back().ok() && !IsPermanent(results.back())) break;
          }
          return results;
        },
        RelayOptions{}, nullptr);
  }

  testing::TestDatabase db_;
  db::ConnectionPool pool_{db_.options()};
  std::vector<std::string> sent_;
};

TEST_F(RelayTest, APassSendsTheCommittedRowsInIdOrderAndDeletesThem) {
  Enqueue({"plants/SZ1/complaints/a", "plants/SZ1/complaints/b", "plants/SZ1/complaints/c"});
  Relay relay = MakeRelay([](const std::string&) { return absl::OkStatus(); });
  absl::StatusOr<int> delivered = relay.RunOnce();
  ASSERT_TRUE(delivered.ok()) << delivered.status();
  EXPECT_EQ(*delivered, 3);
  EXPECT_EQ(sent_, (std::vector<std::string>{"plants/SZ1/complaints/a", "plants/SZ1/complaints/b",
                                             "plants/SZ1/complaints/c"}));
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox"), 0);
  // Nothing is left to send.
  sent_.clear();
  EXPECT_EQ(*relay.RunOnce(), 0);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(RelayTest, ARowRefusedForGoodIsKeptAsDeadAndTheRowsBehindItGoOn) {
  Enqueue({"plants/SZ1/complaints/a", "plants/SZ1/complaints/bad", "plants/SZ1/complaints/c"});
  Relay relay = MakeRelay([](const std::string& subject) {
    return subject == "plants/SZ1/complaints/bad" ? absl::InvalidArgumentError("no such policy")
                                                  : absl::OkStatus();
  });
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_EQ(sent_.size(), 3u);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox"), 0);
  EXPECT_EQ(db_.Rows("SELECT subject, attempts FROM outbox_dead"),
            (std::vector<std::string>{"plants/SZ1/complaints/bad 1"}));
}

TEST_F(RelayTest, AReceiverThatIsDownKeepsTheRowsAndBacksOff) {
  Enqueue({"plants/SZ1/complaints/a", "plants/SZ1/complaints/b"});
  Relay relay = MakeRelay([](const std::string&) { return absl::UnavailableError("down"); });
  absl::StatusOr<int> delivered = relay.RunOnce();
  ASSERT_TRUE(delivered.ok()) << delivered.status();
  EXPECT_EQ(*delivered, 0);
  EXPECT_EQ(sent_, std::vector<std::string>{"plants/SZ1/complaints/a"}) << "the pass ends there";
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox"), 2);
  EXPECT_EQ(db_.Count("SELECT attempts FROM outbox WHERE subject = 'plants/SZ1/complaints/a'"), 1);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox WHERE next_attempt_time > NOW(6)"), 1)
      << "the failed row waits out its backoff";
  // The next pass skips the row in backoff: the receiver is not called for it again at once.
  sent_.clear();
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_EQ(std::count(sent_.begin(), sent_.end(), "plants/SZ1/complaints/a"), 0);
}

// An arm that failed must not be overtaken by its subject's disarm: while a row is in backoff,
// its subject's later rows wait and other subjects' rows go on; then the subject's rows go in
// order.
TEST_F(RelayTest, ASubjectsRowsKeepTheirOrderBehindARowInBackoff) {
  Enqueue({"plants/SZ1/complaints/x", "plants/SZ1/complaints/y", "plants/SZ1/complaints/x"});
  bool up = false;
  Relay relay = MakeRelay([&](const std::string& subject) {
    return up || subject != "plants/SZ1/complaints/x" ? absl::OkStatus()
                                                      : absl::UnavailableError("down");
  });
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_EQ(sent_, std::vector<std::string>{"plants/SZ1/complaints/x"});
  sent_.clear();
  ASSERT_TRUE(relay.RunOnce().ok());
  EXPECT_EQ(sent_, std::vector<std::string>{"plants/SZ1/complaints/y"})
      << "x's second row waits behind its first";
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox WHERE subject = 'plants/SZ1/complaints/x'"), 2);

  // The backoff over (moved to now), x's rows go in order.
  up = true;
  sent_.clear();
  db_.Execute("UPDATE outbox SET next_attempt_time = NOW(6)");
  absl::StatusOr<int> delivered = relay.RunOnce();
  ASSERT_TRUE(delivered.ok());
  EXPECT_EQ(*delivered, 2);
  EXPECT_EQ(sent_,
            (std::vector<std::string>{"plants/SZ1/complaints/x", "plants/SZ1/complaints/x"}));
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox"), 0);
}

}  // namespace
}  // namespace qms::outbox
