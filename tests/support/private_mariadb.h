// A MariaDB server of a test's own (scripts/lib/mariadb.sh), so that stopping and restarting it
// disturbs no other test. One database and a user with rights on it.
#ifndef QMS_TESTS_SUPPORT_PRIVATE_MARIADB_H_
#define QMS_TESTS_SUPPORT_PRIVATE_MARIADB_H_

#include <string>
#include <vector>

#include "common/db/connection_pool.h"

namespace qms::testing {

class PrivateMariaDB {
 public:
  PrivateMariaDB();   // started, with database "pooltest" and user "pool"
  ~PrivateMariaDB();  // stopped and removed

  void Start();  // again after Stop(), same data and port
  void Stop();   // clean shutdown

  db::DatabaseOptions options() const;
  // A file holding the user's password, for --db_password_file.
  const std::string& password_file() const { return password_file_; }

  // The first column of every row `sql` returns, as the user (fails the test on error).
  std::vector<std::string> Rows(const std::string& sql) const;
  // The number a SELECT COUNT(*) ... returns; -1 when it returned nothing.
  int64_t Count(const std::string& sql) const;

 private:
  std::string dir_;
  std::string password_file_;
  int port_ = 0;
};

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_PRIVATE_MARIADB_H_
