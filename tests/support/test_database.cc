#include "tests/support/test_database.h"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/db/transaction.h"

namespace qms::testing {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name << " is not set: run the tests through `scripts/qms test`";
    std::abort();
  }
  return value;
}

void Run(db::ConnectionPool& pool, const std::string& sql) {
  absl::Status status = db::RunOnConnection(pool, [&](db::Connection& c) {
    c.Execute(sql);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    ADD_FAILURE() << sql << ": " << status;
    std::abort();
  }
}

}  // namespace

db::DatabaseOptions AdminOptions() {
  db::DatabaseOptions o;
  o.host = "127.0.0.1";
  o.port = std::stoi(Env("QMS_TEST_DB_PORT"));
  o.user = Env("QMS_TEST_DB_ADMIN_USER");
  o.password = Env("QMS_TEST_DB_ADMIN_PASSWORD");
  o.pool_size = 4;
  return o;
}

TestDatabase::TestDatabase() {
  static std::atomic<int> counter{0};
  const std::string name = absl::StrCat("t", getpid(), "_", counter++);
  admin_ = std::make_unique<db::ConnectionPool>(AdminOptions());
  Run(*admin_, absl::StrCat("DROP DATABASE IF EXISTS ", name));
  Run(*admin_, absl::StrCat("CREATE DATABASE ", name));
  Run(*admin_, absl::StrCat("DROP USER IF EXISTS '", name, "'@'127.0.0.1'"));
  Run(*admin_, absl::StrCat("CREATE USER '", name, "'@'127.0.0.1' IDENTIFIED BY 'pw-", name, "'"));
  Run(*admin_, absl::StrCat("GRANT ALL ON ", name, ".* TO '", name, "'@'127.0.0.1'"));
  options_ = AdminOptions();
  options_.user = name;
  options_.password = absl::StrCat("pw-", name);
  options_.database = name;
  options_.pool_size = 8;
  password_file_ = absl::StrCat(::testing::TempDir(), "/", name, ".password");
  std::ofstream(password_file_) << options_.password << "\n";
}

TestDatabase::~TestDatabase() {
  Run(*admin_, absl::StrCat("DROP DATABASE IF EXISTS ", options_.database));
  Run(*admin_, absl::StrCat("DROP USER IF EXISTS '", options_.user, "'@'127.0.0.1'"));
  std::remove(password_file_.c_str());
}

int64_t TestDatabase::Count(const std::string& sql) {
  int64_t count = -1;
  absl::Status status = db::RunOnConnection(*admin_, [&](db::Connection& c) {
    c.Execute(absl::StrCat("USE ", options_.database));
    std::unique_ptr<sql::Statement> statement(c.raw().createStatement());
    std::unique_ptr<sql::ResultSet> rs(statement->executeQuery(sql));
    if (rs->next()) count = rs->getInt64(1);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return count;
}

}  // namespace qms::testing

namespace qms::testing {

std::vector<std::string> TestDatabase::Rows(const std::string& sql) {
  std::vector<std::string> rows;
  absl::Status status = db::RunOnConnection(*admin_, [&](db::Connection& c) {
    c.Execute(absl::StrCat("USE ", options_.database));
    std::unique_ptr<sql::Statement> statement(c.raw().createStatement());
    std::unique_ptr<sql::ResultSet> rs(statement->executeQuery(sql));
    const unsigned columns = rs->getMetaData()->getColumnCount();
    while (rs->next()) {
      std::string row;
      for (unsigned i = 1; i <= columns; ++i) {
        absl::StrAppend(&row, i > 1 ? " " : "",
                        rs->isNull(i) ? std::string("NULL") : std::string(rs->getString(i)));
      }
      rows.push_back(std::move(row));
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return rows;
}

void TestDatabase::Execute(const std::string& sql) {
  absl::Status status = db::RunOnConnection(*admin_, [&](db::Connection& c) {
    c.Execute(absl::StrCat("USE ", options_.database));
    c.Execute(sql);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << sql << ": " << status;
}

}  // namespace qms::testing
