#include "common/config.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/peer.h"
#include "common/read_file.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC listening address (port 0: any free port)");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "Prometheus /metrics address (port 0: any free port; empty: off)");
ABSL_FLAG(std::string, health_listen, "",
          "Plaintext address serving only grpc.health.v1, for probes that cannot speak TLS (e.g. "
          "0.0.0.0:8086); empty: none");
ABSL_FLAG(std::string, ready_file, "", "Write the bound addresses here once serving");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long in-flight calls may run after SIGTERM");
ABSL_FLAG(std::string, tls_cert_file, "", "Server certificate chain (PEM)");
ABSL_FLAG(std::string, tls_key_file, "", "Server private key (PEM)");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "CA that signs client certificates; when set, clients must present one (mutual TLS)");
ABSL_FLAG(bool, plaintext, false, "Serve without TLS (local development only)");
ABSL_FLAG(int32_t, max_request_bytes, 4 << 20, "Largest request message accepted");

ABSL_FLAG(std::string, jwt_hs256_secret_file, "",
          "File holding the HS256 secret bearer tokens are signed with (32 bytes or more)");
ABSL_FLAG(std::string, jwt_public_key_files, "",
          "Comma-separated PEM public keys (RSA or EC P-256) for RS256/ES256 bearer tokens");
ABSL_FLAG(std::string, jwt_issuer, "qms", "Required \"iss\" of bearer tokens (empty: any)");
ABSL_FLAG(std::string, jwt_audience, "qms-suite", "Required \"aud\" of bearer tokens (empty: any)");
ABSL_FLAG(absl::Duration, jwt_leeway, absl::Seconds(60), "Clock skew allowed on exp and nbf");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding this service's own bearer token for calls to other services (re-read on "
          "every call, so a rotated Secret takes effect)");
ABSL_FLAG(std::string, peer_ca_file, "",
          "CA certificate (PEM) that other services' TLS certificates are checked against; "
          "empty: calls to other services are plaintext");
ABSL_FLAG(std::string, db_host, "127.0.0.1", "MariaDB/MySQL host");
ABSL_FLAG(int32_t, db_port, 3306, "MariaDB/MySQL port");
ABSL_FLAG(std::string, db_name, "", "The service's own database");
ABSL_FLAG(std::string, db_user, "", "Database user");
ABSL_FLAG(std::string, db_password_file, "", "File holding the database password");
ABSL_FLAG(int32_t, db_pool_size, 8, "Connections in the pool");
ABSL_FLAG(bool, migrate, false, "Apply database migrations and exit");
ABSL_FLAG(bool, migrate_on_start, true, "Apply database migrations before serving");

namespace qms::config {

void ParseFlags(int argc, char** argv, const std::string& usage) {
  absl::SetProgramUsageMessage(usage);
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string variable = absl::StrCat("QMS_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      spdlog::critical("bad value in {}: {}", variable, error);
      std::exit(2);
    }
  }
  absl::ParseCommandLine(argc, argv);
}

absl::StatusOr<server::ServerOptions> ServerOptionsFromFlags() {
  server::ServerOptions o;
  o.listen = absl::GetFlag(FLAGS_listen);
  o.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  o.health_listen = absl::GetFlag(FLAGS_health_listen);
  o.ready_file = absl::GetFlag(FLAGS_ready_file);
  o.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  o.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  o.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  o.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  o.plaintext = absl::GetFlag(FLAGS_plaintext);
  o.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  if (const std::string file = absl::GetFlag(FLAGS_jwt_hs256_secret_file); !file.empty()) {
    absl::StatusOr<std::string> secret = ReadFile(file);
    if (!secret.ok()) return secret.status();
    o.auth.hs256_secret = std::string(absl::StripTrailingAsciiWhitespace(*secret));
  }
  for (absl::string_view file :
       absl::StrSplit(absl::GetFlag(FLAGS_jwt_public_key_files), ',', absl::SkipEmpty())) {
    absl::StatusOr<std::string> pem = ReadFile(std::string(file));
    if (!pem.ok()) return pem.status();
    o.auth.public_keys.push_back(*pem);
  }
  o.auth.issuer = absl::GetFlag(FLAGS_jwt_issuer);
  o.auth.audience = absl::GetFlag(FLAGS_jwt_audience);
  o.auth.leeway = absl::GetFlag(FLAGS_jwt_leeway);
  return o;
}

clients::PeerOptions PeerOptionsFromFlags(std::string target) {
  clients::PeerOptions o;
  o.target = std::move(target);
  o.ca_file = absl::GetFlag(FLAGS_peer_ca_file);
  o.token_file = absl::GetFlag(FLAGS_service_token_file);
  return o;
}

absl::StatusOr<db::DatabaseOptions> DatabaseOptionsFromFlags() {
  db::DatabaseOptions o;
  o.host = absl::GetFlag(FLAGS_db_host);
  o.port = absl::GetFlag(FLAGS_db_port);
  o.database = absl::GetFlag(FLAGS_db_name);
  o.user = absl::GetFlag(FLAGS_db_user);
  o.pool_size = absl::GetFlag(FLAGS_db_pool_size);
  if (o.database.empty() || o.user.empty()) {
    return absl::InvalidArgumentError("--db_name and --db_user are required");
  }
  if (o.pool_size < 1) return absl::InvalidArgumentError("--db_pool_size must be at least 1");
  const std::string password_file = absl::GetFlag(FLAGS_db_password_file);
  if (!password_file.empty()) {
    absl::StatusOr<std::string> content = ReadFile(password_file);
    if (!content.ok()) return absl::InvalidArgumentError(content.status().message());
    o.password = std::string(absl::StripTrailingAsciiWhitespace(*content));
  }
  return o;
}

bool MigrateOnly() { return absl::GetFlag(FLAGS_migrate); }
bool MigrateOnStart() { return absl::GetFlag(FLAGS_migrate_on_start); }

std::optional<int> MigrateAsAsked(db::ConnectionPool& pool,
                                  const std::vector<db::Migration>& migrations) {
  if (!MigrateOnly() && !MigrateOnStart()) return std::nullopt;
  auto report = db::Migrate(pool, migrations);
  if (!report.ok()) {
    spdlog::critical("migration failed: {}", report.status().ToString());
    return 1;
  }
  spdlog::info("schema version={} applied_now={}", report->current_version, report->applied.size());
  if (MigrateOnly()) return 0;
  return std::nullopt;
}

}  // namespace qms::config
