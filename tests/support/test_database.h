// A fresh database and user of their own for one test, on the MariaDB that `scripts/qms test`
// started (QMS_TEST_DB_PORT, QMS_TEST_DB_ADMIN_USER, QMS_TEST_DB_ADMIN_PASSWORD). The user has
// rights on its own database only, as a service's user does. Dropped again on destruction.
#ifndef QMS_TESTS_SUPPORT_TEST_DATABASE_H_
#define QMS_TESTS_SUPPORT_TEST_DATABASE_H_

#include <memory>
#include <string>
#include <vector>

#include "common/db/connection_pool.h"

namespace qms::testing {

class TestDatabase {
 public:
  TestDatabase();  // fails the test (ADD_FAILURE + abort) when the server is not configured
  ~TestDatabase();

  // Options for the test's own user and database.
  db::DatabaseOptions options() const { return options_; }
  // A password file for binaries (--db_password_file).
  const std::string& password_file() const { return password_file_; }
  // Runs SQL as the administrator (e.g. to inspect rows or take locks from outside).
  db::ConnectionPool& admin() { return *admin_; }
  // Number of rows `sql` (a SELECT COUNT(*) ...) reports, run as administrator in this database.
  int64_t Count(const std::string& sql);
  // Every row of `sql` as its columns joined by single spaces (NULL as "NULL").
  std::vector<std::string> Rows(const std::string& sql);
  // Runs a statement as administrator in this database.
  void Execute(const std::string& sql);

 private:
  db::DatabaseOptions options_;
  std::string password_file_;
  std::unique_ptr<db::ConnectionPool> admin_;
};

// The administrator's options on the shared test server.
db::DatabaseOptions AdminOptions();

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_TEST_DATABASE_H_
