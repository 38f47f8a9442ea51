// How one service of the suite calls another: one channel per callee, TLS when a CA is given,
// the caller's own bearer token (re-read on every call, so a rotated Secret takes effect), a
// deadline on every call, and gRPC's transparent retries of UNAVAILABLE (a callee restarting or
// a pod going away) with backoff. Every typed client under clients/ is built on it.
#ifndef QMS_CLIENTS_PEER_H_
#define QMS_CLIENTS_PEER_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace qms::clients {

struct PeerOptions {
  std::string target;   // host:port of the callee
  std::string ca_file;  // TLS roots the callee's certificate is checked against; empty: plaintext
  std::string token_file;  // this service's bearer token; empty: none (the callee will refuse)
  absl::Duration deadline = absl::Seconds(5);  // per call, retries included
  int max_attempts = 3;                        // UNAVAILABLE is retried up to this many attempts
};

class Peer {
 public:
  explicit Peer(PeerOptions options);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // Sets the deadline and the token on a fresh context for one call.
  void Prepare(grpc::ClientContext& context) const;

 private:
  PeerOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
};

// The callee's status as an absl::Status (same code and message).
absl::Status ToAbsl(const grpc::Status& status);

}  // namespace qms::clients

#endif  // QMS_CLIENTS_PEER_H_
