#include "tests/support/private_mariadb.h"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/db/transaction.h"
#include "tests/support/service_process.h"

namespace qms::testing {
namespace {

constexpr char kScript[] = QMS_SOURCE_DIR "/scripts/lib/mariadb.sh";

}  // namespace

PrivateMariaDB::PrivateMariaDB() {
  static std::atomic<int> counter{0};
  dir_ = absl::StrCat(::testing::TempDir(), "/mariadb_", getpid(), "_", counter++);
  RunCommand("rm -rf " + dir_);
  port_ = std::stoi(std::string(
      absl::StripAsciiWhitespace(RunCommand(absl::StrCat("bash ", kScript, " free-port")).output)));
  Start();
  auto created = RunCommand(absl::StrCat(
      "echo \"CREATE USER 'pool'@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT ALL ON pooltest.* TO "
      "'pool'@'127.0.0.1'; CREATE DATABASE pooltest;\" | bash ",
      kScript, " sql ", dir_));
  EXPECT_EQ(created.exit_code, 0) << created.output;
  password_file_ = dir_ + ".password";
  std::ofstream(password_file_) << "pw\n";
}

PrivateMariaDB::~PrivateMariaDB() {
  Stop();
  RunCommand("rm -rf " + dir_ + " " + password_file_);
}

void PrivateMariaDB::Start() {
  auto r = RunCommand(absl::StrCat("bash ", kScript, " start ", dir_, " ", port_));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

void PrivateMariaDB::Stop() { RunCommand(absl::StrCat("bash ", kScript, " stop ", dir_)); }

db::DatabaseOptions PrivateMariaDB::options() const {
  db::DatabaseOptions o;
  o.port = port_;
  o.user = "pool";
  o.password = "pw";
  o.database = "pooltest";
  o.connect_timeout = absl::Seconds(1);
  return o;
}

std::vector<std::string> PrivateMariaDB::Rows(const std::string& sql) const {
  db::ConnectionPool pool(options());
  std::vector<std::string> out;
  EXPECT_TRUE(db::RunOnConnection(pool,
                                  [&](db::Connection& c) {
                                    std::unique_ptr<sql::Statement> st(c.raw().createStatement());
                                    std::unique_ptr<sql::ResultSet> rs(st->executeQuery(sql));
                                    while (rs->next()) out.push_back(rs->getString(1));
                                    return absl::OkStatus();
                                  })
                  .ok())
      << sql;
  return out;
}

int64_t PrivateMariaDB::Count(const std::string& sql) const {
  const auto rows = Rows(sql);
  return rows.empty() ? -1 : std::stoll(rows[0]);
}

}  // namespace qms::testing
