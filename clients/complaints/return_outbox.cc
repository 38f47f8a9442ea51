#include "clients/complaints/return_outbox.h"

#include <memory>

#include "absl/flags/flag.h"
#include "common/config.h"

ABSL_FLAG(std::string, complaints_target, "",
          "host:port of the complaints service: the complaints returns belong to are checked "
          "there and told of their returns; empty: only bulk returns can be registered");

namespace qms::clients {

std::optional<PeerOptions> ComplaintsPeer() {
  const std::string target = absl::GetFlag(FLAGS_complaints_target);
  if (target.empty()) return std::nullopt;
  return config::PeerOptionsFromFlags(target);
}

outbox::Receiver RecordReturnReceiver(PeerOptions complaints) {
  auto client = std::make_shared<const ComplaintClient>(std::move(complaints));
  return outbox::Receiver{
      {kRecordReturnKind}, [client](const std::vector<outbox::StoredMessage>& messages) {
        std::vector<absl::Status> results;
        for (const outbox::StoredMessage& m : messages) {
          results.push_back(client->RecordReturn(m.message.subject, m.message.detail));
          if (!results.back().ok() && !outbox::IsPermanent(results.back())) break;
        }
        return results;
      }};
}

}  // namespace qms::clients
