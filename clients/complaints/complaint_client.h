// The complaints service as the services that refer to complaints see it (returns, satisfaction,
// after-sales): a complaint looked up by plant and number over ComplaintService, as this service
// (peer.h: its token, TLS, deadline, retries of UNAVAILABLE). No gRPC type in the interface.
#ifndef QMS_CLIENTS_COMPLAINTS_COMPLAINT_CLIENT_H_
#define QMS_CLIENTS_COMPLAINTS_COMPLAINT_CLIENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/peer.h"

namespace qms::clients {

// What another service needs to know of a complaint.
struct ComplaintRef {
  std::string name;  // plants/{plant}/complaints/{number}
  std::string plant;
  std::string number;
  std::string customer;
  std::string part_number;
  std::string status;                        // the API's enum name, e.g. "CONTAINED"
  std::vector<std::string> serious_reasons;  // the API's enum names; empty: not serious
};

class ComplaintClient {
 public:
  explicit ComplaintClient(PeerOptions complaints) : peer_(std::move(complaints)) {}

  // The complaint `number` of `plant`: NOT_FOUND when there is none, else the callee's status
  // (UNAVAILABLE once the retries are spent, PERMISSION_DENIED for a token not allowed).
  absl::StatusOr<ComplaintRef> Get(const std::string& plant, const std::string& number) const;
  // Tells the complaint `complaint` (its name) that goods of it are returned under `return_name`
  // (RecordReturn: the service role only; a repeat changes nothing).
  absl::Status RecordReturn(const std::string& complaint, const std::string& return_name) const;

 private:
  Peer peer_;
};

}  // namespace qms::clients

#endif  // QMS_CLIENTS_COMPLAINTS_COMPLAINT_CLIENT_H_
