// The outbox rows the complaints service receives from other services' relays (a plain header:
// stores include it without gRPC).
#ifndef QMS_CLIENTS_COMPLAINTS_OUTBOX_KINDS_H_
#define QMS_CLIENTS_COMPLAINTS_OUTBOX_KINDS_H_

namespace qms::clients {

// Goods of a complaint are returned: subject the complaint's name, detail the return's
// (ComplaintService.RecordReturn).
inline constexpr char kRecordReturnKind[] = "record_return";

}  // namespace qms::clients

#endif  // QMS_CLIENTS_COMPLAINTS_OUTBOX_KINDS_H_
