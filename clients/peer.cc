#include "clients/peer.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "common/read_file.h"

namespace qms::clients {

namespace {

// A file that cannot be read gives "" (no roots, no token: the callee's refusal says so).
std::string ReadTrimmed(const std::string& path) {
  return std::string(absl::StripAsciiWhitespace(ReadFile(path).value_or("")));
}

// Every method of the callee: UNAVAILABLE retried with exponential backoff, within the call's
// deadline. The callees are idempotent by request id, so a retried write is harmless.
std::string RetryServiceConfig(int max_attempts) {
  return absl::StrFormat(
      R"({"methodConfig": [{"name": [{}], "retryPolicy": {"maxAttempts": %d,
          "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2,
          "retryableStatusCodes": ["UNAVAILABLE"]}}]})",
      std::max(2, max_attempts));
}

}  // namespace

Peer::Peer(PeerOptions options) : options_(std::move(options)) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options_.ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadTrimmed(options_.ca_file);
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments arguments;
  arguments.SetServiceConfigJSON(RetryServiceConfig(options_.max_attempts));
  channel_ = grpc::CreateCustomChannel(options_.target, credentials, arguments);
}

void Peer::Prepare(grpc::ClientContext& context) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  if (!options_.token_file.empty()) {
    context.AddMetadata("authorization", "Bearer " + ReadTrimmed(options_.token_file));
  }
}

absl::Status ToAbsl(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace qms::clients
