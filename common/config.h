// Command-line flags shared by every service binary, each with an environment-variable fallback:
// a flag not given on the command line takes the value of QMS_<FLAG_NAME_IN_CAPITALS> when that
// is set (e.g. --db_host / QMS_DB_HOST). This is the one place configuration is read.
#ifndef QMS_COMMON_CONFIG_H_
#define QMS_COMMON_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/connection_pool.h"
#include "common/db/migrator.h"
#include "common/server/service_runner.h"

namespace qms::clients {
struct PeerOptions;  // clients/peer.h
}  // namespace qms::clients

namespace qms::config {

// Applies environment fallbacks, then parses argv (which wins). Exits with usage on bad flags.
void ParseFlags(int argc, char** argv, const std::string& usage);

// Reads the token key files named by the --jwt_* flags.
absl::StatusOr<server::ServerOptions> ServerOptionsFromFlags();

// How this service calls the service at `target`: the TLS roots (--peer_ca_file) and its own
// bearer token (--service_token_file).
clients::PeerOptions PeerOptionsFromFlags(std::string target);
// Reads --db_password_file when given (the file's content, trailing newline removed).
absl::StatusOr<db::DatabaseOptions> DatabaseOptionsFromFlags();
// --migrate: apply migrations and exit; --migrate_on_start: apply them before serving.
bool MigrateOnly();
bool MigrateOnStart();
// Applies `migrations` as --migrate / --migrate_on_start ask. Returns the exit code when main
// should stop (1 after a failure, 0 after --migrate), nothing when it should go on serving.
std::optional<int> MigrateAsAsked(db::ConnectionPool& pool,
                                  const std::vector<db::Migration>& migrations);

}  // namespace qms::config

#endif  // QMS_COMMON_CONFIG_H_
