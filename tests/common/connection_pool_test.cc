#include "common/db/connection_pool.h"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/db/transaction.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace qms::db {
namespace {

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
    EXPECT_EQ(c.status().code(), absl::StatusCode::kDeadlineExceeded);
  }
  EXPECT_TRUE(pool.Acquire().ok()) << "released connections are lent again";
}

TEST(ConnectionPool, UnreachableServerIsUnavailable) {
  DatabaseOptions options = testing::AdminOptions();
  options.port = 1;  // nothing listens there
  ConnectionPool pool(options);
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
}

// A MariaDB of its own, so stopping it disturbs no other test.
class PrivateMariaDB {
 public:
  PrivateMariaDB() {
    dir_ = absl::StrCat(::testing::TempDir(), "/mariadb_", getpid());
    RunCommand("rm -rf " + dir_);
    port_ = std::stoi(std::string(absl::StripAsciiWhitespace(
        RunCommand(absl::StrCat("bash ", kScript, " free-port")).output)));
    Start();
    auto created = RunCommand(absl::StrCat(
        "echo \"CREATE USER 'pool'@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT ALL ON *.* TO "
        "'pool'@'127.0.0.1'; CREATE DATABASE pooltest;\" | bash ",
        kScript, " sql ", dir_));
    EXPECT_EQ(created.exit_code, 0) << created.output;
  }
  ~PrivateMariaDB() {
    Stop();
    RunCommand("rm -rf " + dir_);
  }
  void Start() {
    auto r = RunCommand(absl::StrCat("bash ", kScript, " start ", dir_, " ", port_));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  void Stop() { RunCommand(absl::StrCat("bash ", kScript, " stop ", dir_)); }
  DatabaseOptions options() const {
    DatabaseOptions o;
    o.port = port_;
    o.user = "pool";
    o.password = "pw";
    o.database = "pooltest";
    o.connect_timeout = absl::Seconds(1);
    return o;
  }

 private:
  static constexpr char kScript[] = QMS_SOURCE_DIR "/scripts/lib/mariadb.sh";
  std::string dir_;
  int port_ = 0;
};

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
