#include "common/db/transaction.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "absl/time/clock.h"
#include "tests/support/test_database.h"

namespace qms::db {
namespace {

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<ConnectionPool>(db_.options());
    ASSERT_TRUE(RunOnConnection(*pool_, [](Connection& c) {
                  c.Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)");
                  c.Execute("INSERT INTO t VALUES (1, 0), (2, 0)");
                  return absl::OkStatus();
                }).ok());
  }
  int64_t Sum() { return db_.Count("SELECT SUM(v) FROM t"); }

  testing::TestDatabase db_;
  std::unique_ptr<ConnectionPool> pool_;
};

TEST_F(TransactionTest, CommitsWhenTheBodySucceeds) {
  ASSERT_TRUE(RunInTransaction(*pool_, [](Connection& c) {
                c.Execute("UPDATE t SET v = 5 WHERE id = 1");
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(Sum(), 5);
}

TEST_F(TransactionTest, RollsBackWhenTheBodyFails) {
  absl::Status status = RunInTransaction(*pool_, [](Connection& c) {
    c.Execute("UPDATE t SET v = 5 WHERE id = 1");
    return absl::FailedPreconditionError("no");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Sum(), 0);
}

TEST_F(TransactionTest, RollsBackAndMapsASqlError) {
  absl::Status status = RunInTransaction(*pool_, [](Connection& c) {
    c.Execute("UPDATE t SET v = 5 WHERE id = 1");
    c.Execute("INSERT INTO t VALUES (1, 1)");  // duplicate key
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Sum(), 0);
}

// A use case that throws something other than a SQL error midway (a JSON dump, out_of_range,
// bad_alloc) writes nothing: its connection is discarded, not lent again with the transaction
// open for the next START TRANSACTION to commit implicitly. The next use case on the pool commits
// only its own rows, and the throw comes back as INTERNAL.
TEST_F(TransactionTest, AUseCaseThatThrowsWritesNothingAndLeavesThePoolClean) {
  DatabaseOptions one = db_.options();
  one.pool_size = 1;  // the next use case would get the same connection
  ConnectionPool pool(one);
  for (int round = 0; round < 2; ++round) {
    absl::Status thrown = RunInTransaction(pool, [&](Connection& c) -> absl::Status {
      c.Execute("UPDATE t SET v = 7 WHERE id = 1");
      if (round == 0) throw std::out_of_range("a record field was missing");
      throw 42;  // not even an exception class
    });
    EXPECT_EQ(thrown.code(), absl::StatusCode::kInternal) << thrown;
    EXPECT_EQ(thrown.message().find("missing"), absl::string_view::npos) << "no detail leaks";
  }
  ASSERT_TRUE(RunInTransaction(pool, [](Connection& c) {
                c.Execute("UPDATE t SET v = 1 WHERE id = 2");
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(db_.Count("SELECT v FROM t WHERE id = 1"), 0) << "the thrown use case wrote nothing";
  EXPECT_EQ(db_.Count("SELECT v FROM t WHERE id = 2"), 1);
  absl::Status on_connection =
      RunOnConnection(pool, [](Connection&) -> absl::Status { throw std::runtime_error("boom"); });
  EXPECT_EQ(on_connection.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(RunOnConnection(pool, [](Connection& c) {
                c.Execute("DO 1");
                return absl::OkStatus();
              }).ok());
}

TEST_F(TransactionTest, AnAbortedAnswerFromTheBodyIsNotRetried) {
  int calls = 0;
  absl::Status status = RunInTransaction(*pool_, [&](Connection&) {
    ++calls;
    return absl::AbortedError("etag mismatch");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(calls, 1);
}

TEST_F(TransactionTest, ADeadlockIsRetriedAndBothTransactionsCommit) {
  // Two transactions lock rows 1 and 2 in opposite orders; InnoDB kills one as the deadlock
  // victim, and the retry must run it again to completion.
  std::atomic<int> first_locks{0};
  std::atomic<int> attempts{0};
  auto crossing = [&](int first, int second, int add) {
    return RunInTransaction(*pool_, [&, first, second, add](Connection& c) {
      const bool first_attempt = attempts.fetch_add(1) < 2;
      c.Execute("UPDATE t SET v = v + " + std::to_string(add) +
                " WHERE id = " + std::to_string(first));
      if (first_attempt) {
        first_locks.fetch_add(1);
        const absl::Time deadline = absl::Now() + absl::Seconds(10);
        while (first_locks.load() < 2 && absl::Now() < deadline) {
          absl::SleepFor(absl::Milliseconds(1));
        }
      }
      c.Execute("UPDATE t SET v = v + " + std::to_string(add) +
                " WHERE id = " + std::to_string(second));
      return absl::OkStatus();
    });
  };
  absl::Status a, b;
  std::thread ta([&] { a = crossing(1, 2, 1); });
  std::thread tb([&] { b = crossing(2, 1, 10); });
  ta.join();
  tb.join();
  EXPECT_TRUE(a.ok()) << a;
  EXPECT_TRUE(b.ok()) << b;
  EXPECT_GE(attempts.load(), 3) << "one of the two must have been retried";
  EXPECT_EQ(Sum(), 22);
}

}  // namespace
}  // namespace qms::db
