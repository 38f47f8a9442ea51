// Command-line flags shared by every service binary, each with an environment-variable fallback:
// a flag not given on the command line takes the value of QMS_<FLAG_NAME_IN_CAPITALS> when that
// is set (e.g. --db_host / QMS_DB_HOST). This is the one place configuration is read.
#ifndef QMS_COMMON_CONFIG_H_
#define QMS_COMMON_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/db/connection_pool.h"
#include "common/server/service_runner.h"

namespace qms::config {

// Applies environment fallbacks, then parses argv (which wins). Exits with usage on bad flags.
void ParseFlags(int argc, char** argv, const std::string& usage);

server::ServerOptions ServerOptionsFromFlags();
// Reads --db_password_file when given (the file's content, trailing newline removed).
absl::StatusOr<db::DatabaseOptions> DatabaseOptionsFromFlags();
// --migrate: apply migrations and exit; --migrate_on_start: apply them before serving.
bool MigrateOnly();
bool MigrateOnStart();

}  // namespace qms::config

#endif  // QMS_COMMON_CONFIG_H_
