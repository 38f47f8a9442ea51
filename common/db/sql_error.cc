#include "common/db/sql_error.h"

#include <cppconn/exception.h>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace qms::db {
namespace {

bool IsLostCode(int code) {
  switch (code) {
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
      return true;
    default:
      return false;
  }
}

}  // namespace

bool IsConnectionLost(const sql::SQLException& e) {
  // Connector/C++ reports some client-side failures with code 0 and SQLSTATE HY000 / 08xxx.
  return IsLostCode(e.getErrorCode()) || e.getSQLState().substr(0, 2) == "08";
}

absl::Status ToStatus(const sql::SQLException& e) {
  const int code = e.getErrorCode();
  if (IsConnectionLost(e)) {
    spdlog::warn("db_error kind=unavailable errno={} sqlstate={} msg=\"{}\"", code,
                 std::string(e.getSQLState()), e.what());
    return absl::UnavailableError("database unavailable");
  }
  switch (code) {
    case 1213:  // ER_LOCK_DEADLOCK (also a Galera certification conflict)
    case 1205:  // ER_LOCK_WAIT_TIMEOUT
      return absl::AbortedError(absl::StrCat("database: transaction conflict (errno ", code, ")"));
    case 1062:  // ER_DUP_ENTRY
      return absl::AlreadyExistsError("database: duplicate key");
    default:
      spdlog::error("db_error kind=internal errno={} sqlstate={} msg=\"{}\"", code,
                    std::string(e.getSQLState()), e.what());
      return absl::InternalError(absl::StrCat("database error (errno ", code, ")"));
  }
}

}  // namespace qms::db
