// For the services that raise returns of a complaint's goods (returns): the complaints service
// at --complaints_target, and the outbox receiver that tells a complaint of its return.
#ifndef QMS_CLIENTS_COMPLAINTS_RETURN_OUTBOX_H_
#define QMS_CLIENTS_COMPLAINTS_RETURN_OUTBOX_H_

#include <optional>

#include "clients/complaints/complaint_client.h"
#include "clients/complaints/outbox_kinds.h"
#include "common/outbox_relay.h"

namespace qms::clients {

// --complaints_target as this service's peer; nullopt when empty.
std::optional<PeerOptions> ComplaintsPeer();

// Rows of kRecordReturnKind become ComplaintService.RecordReturn calls, one each.
outbox::Receiver RecordReturnReceiver(PeerOptions complaints);

}  // namespace qms::clients

#endif  // QMS_CLIENTS_COMPLAINTS_RETURN_OUTBOX_H_
