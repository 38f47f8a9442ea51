#include "common/db/connection_pool.h"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/db/transaction.h"
#include "tests/support/private_mariadb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace qms::db {
namespace {

using testing::PrivateMariaDB;

using testing::RunCommand;

TEST(ConnectionPool, AcquireWaitsForAFreeConnectionThenGivesUp) {
  testing::TestDatabase db;
  DatabaseOptions options = db.options();
  options.pool_size = 2;
  options.acquire_timeout = absl::Milliseconds(200);
  ConnectionPool pool(options);
  {
    auto a = pool.Acquire();
    auto b = pool.Acquire();
    ASSERT_TRUE(a.ok() && b.ok());
    auto c = pool.Acquire();
    EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_TRUE(pool.Acquire().ok()) << "released connections are lent again";
}

TEST(ConnectionPool, UnreachableServerIsUnavailable) {
  DatabaseOptions options = testing::AdminOptions();
  options.port = 1;  // nothing listens there
  ConnectionPool pool(options);
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
}


TEST(ConnectionPool, SurvivesAServerRestart) {
  PrivateMariaDB server;
  ConnectionPool pool(server.options());
  auto write = [&](int id) {
    return RunInTransaction(pool, [id](Connection& c) {
      c.Execute("CREATE TABLE IF NOT EXISTS r (id INT PRIMARY KEY)");
      c.Execute(absl::StrCat("INSERT INTO r VALUES (", id, ")"));
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(write(1).ok());

  server.Stop();
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(write(2).code(), absl::StatusCode::kUnavailable);

  server.Start();
  EXPECT_TRUE(pool.Ping().ok());
  absl::Status after = write(3);
  EXPECT_TRUE(after.ok()) << after;
  int64_t rows = -1;
  ASSERT_TRUE(RunOnConnection(pool, [&](Connection& c) {
                std::unique_ptr<sql::Statement> s(c.raw().createStatement());
                std::unique_ptr<sql::ResultSet> rs(s->executeQuery("SELECT COUNT(*) FROM r"));
                rs->next();
                rows = rs->getInt64(1);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(rows, 2) << "the write during the outage must not have happened, the others must";
}

}  // namespace
}  // namespace qms::db
