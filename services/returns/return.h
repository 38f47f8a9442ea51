// A customer return (退货) and what the plant does with it (domain brief §2): the warehouse's
// receipt, quality's confirmation per line, the disposition per line, rework orders, urgent
// production, the technical analysis. Plain C++: no I/O, no protobuf.
#ifndef QMS_SERVICES_RETURNS_RETURN_H_
#define QMS_SERVICES_RETURNS_RETURN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qms::returns {

enum class ReturnState { kRegistered, kReceived, kConfirmed, kDisposed, kClosed };
enum class ConfirmationResult { kDefectConfirmed, kNoTroubleFound };
enum class Responsibility { kOurs, kNotOurs };
// 5M1E.
enum class Cause { kMan, kMachine, kMaterial, kMethod, kMeasurement, kEnvironment };
enum class ReworkState { kOpen, kClosed };

// The API's names ("RECEIVED", "NO_TROUBLE_FOUND", ...), as the database and history hold them.
absl::string_view ToString(ReturnState v);
absl::string_view ToString(ConfirmationResult v);
absl::string_view ToString(Responsibility v);
absl::string_view ToString(Cause v);
absl::string_view ToString(ReworkState v);
std::optional<ReturnState> ReturnStateFromString(absl::string_view text);
std::optional<ConfirmationResult> ConfirmationResultFromString(absl::string_view text);
std::optional<Responsibility> ResponsibilityFromString(absl::string_view text);
std::optional<Cause> CauseFromString(absl::string_view text);
std::optional<ReworkState> ReworkStateFromString(absl::string_view text);

struct Confirmation {
  ConfirmationResult result = ConfirmationResult::kDefectConfirmed;
  int64_t nonconforming = 0;
  Responsibility responsibility = Responsibility::kOurs;
  std::string notes;
  std::string by;
  absl::Time time;
};

// Where a line's goods go. Quantities never negative; their total is what was disposed of.
struct Disposition {
  int64_t rework = 0;
  int64_t scrap = 0;
  std::string scrap_reason;          // required with scrap
  int64_t concession = 0;            // use as is
  std::string concession_reference;  // the customer's authorization: required with concession
  int64_t to_customer = 0;
  int64_t to_supplier = 0;

  int64_t Total() const { return rework + scrap + concession + to_customer + to_supplier; }
};

struct Line {
  int number = 0;  // 1, 2, ... in the order registered
  std::string part_number;
  std::vector<std::string> lots;  // lot or serial numbers
  std::string order_number;
  int64_t announced = 0;
  std::string reason_code;

  int64_t received = 0;  // the sum of the receipts' counts
  std::optional<Confirmation> confirmation;
  Disposition disposition;
};

struct ReceiptLine {
  int line = 0;
  int64_t quantity = 0;
  bool operator==(const ReceiptLine& o) const { return line == o.line && quantity == o.quantity; }
};

struct Receipt {
  std::string number;  // the warehouse's receipt number (入库单号)
  std::vector<ReceiptLine> lines;
  std::string note;  // required when a count goes above the announced quantity
  std::string by;
  absl::Time time;
};

struct ReworkOrder {
  int number = 0;  // 1, 2, ... within the return
  int line = 0;
  int64_t quantity = 0;
  std::string instruction;  // quality's rework / 100 % inspection instruction
  absl::Time need_time;     // when the customer needs the goods back
  ReworkState state = ReworkState::kOpen;
  int64_t reworked = 0;
  int64_t inspected_ok = 0;
  int64_t inspected_ng = 0;
  std::string issued_by;
  absl::Time issue_time;
  std::optional<absl::Time> close_time;
};

struct UrgentProduction {
  int64_t available_stock = 0;
  int64_t quantity = 0;  // what stock cannot replace
  absl::Time need_time;
  std::string requested_by;
  absl::Time request_time;
  std::string production_order;  // set when scheduled
  std::optional<absl::Time> schedule_time;
};

struct Analysis {
  Cause cause = Cause::kMan;
  std::string findings;
  std::vector<std::string> attachments;
  std::string analyzed_by;
  absl::Time analysis_time;
  std::string archived_by;
  std::optional<absl::Time> archive_time;
};

struct Return {
  std::string plant;
  std::string number;  // "SZ1-R-2026-00042"
  std::string customer;
  std::string complaint;  // plants/{plant}/complaints/{number}; empty when bulk
  bool bulk = false;
  bool without_goods = false;
  std::vector<Line> lines;

  ReturnState state = ReturnState::kRegistered;
  std::vector<Receipt> receipts;
  std::vector<ReworkOrder> rework_orders;
  std::optional<UrgentProduction> urgent;
  std::optional<Analysis> analysis;
  std::string explanation;  // sales' explanation to the customer, when a line is not ours
  std::optional<absl::Time> confirmation_due;  // set when the goods arrive (or at once without)

  int64_t version = 1;  // the etag
  absl::Time create_time;
  absl::Time update_time;
  std::optional<absl::Time> close_time;
};

// "plants/{plant}/returns/{number}"
std::string ResourceName(const Return& r);
// "plants/{plant}/returns/{number}/reworkOrders/{n}": the subject of a rework order's timer.
std::string ReworkOrderName(const Return& r, int order);
// "SZ1-R-2026-00042": the plant, the year of registration in the plant's zone, the sequence.
std::string FormatNumber(absl::string_view plant, int year, int64_t sequence);

// What a line's disposition must add up to: the received quantity, or the announced one for a
// return without goods.
int64_t ToDispose(const Return& r, const Line& line);
// What is still to be disposed of on the line.
inline int64_t Undisposed(const Return& r, const Line& line) {
  return ToDispose(r, line) - line.disposition.Total();
}
// Rework of the line already under an order: open orders' quantities and closed orders' OK.
int64_t ReworkOrdered(const Return& r, int line);
// A line is not ours: sales must explain to the customer.
bool ExplanationRequired(const Return& r);
// The earliest deadline still open (quality confirmation, an open rework order's need date,
// unscheduled urgent production), if any.
std::optional<absl::Time> NextDue(const Return& r);
// The quantity returned: per line the received count, or the announced one before receipt.
int64_t ReturnedQuantity(const Return& r);
// Nullptr when the return has no such line / order.
const Line* FindLine(const Return& r, int line);
const ReworkOrder* FindReworkOrder(const Return& r, int order);

// Field limits, shared with the schema (migrations/0001_returns.sql).
inline constexpr size_t kMaxCodeLength = 64;  // customer, part, order, lot, reason, receipt no.
inline constexpr size_t kMaxTextLength = 4000;
inline constexpr size_t kMaxNameLength = 255;  // resource names
inline constexpr size_t kMaxLines = 200;
inline constexpr size_t kMaxLots = 500;
inline constexpr size_t kMaxReceipts = 200;
inline constexpr size_t kMaxReworkOrders = 200;
inline constexpr size_t kMaxAttachments = 20;
inline constexpr size_t kMaxRequestIdLength = 64;
inline constexpr int64_t kMaxQuantity = 1'000'000'000;

// Checks a return before it is registered: customer, complaint or bulk (not both), lines with
// part number, positive announced quantity and reason code, every field bounded. The complaint
// must be of `plant`. INVALID_ARGUMENT naming every bad field under `prefix` ("return.").
absl::Status ValidateNewReturn(const Return& r, absl::string_view prefix = "return.");

// The canonical text of what was asked at registration: equal requests, and only those, give
// equal fingerprints (a retried create against a reused request_id).
std::string Fingerprint(const Return& r);

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_RETURN_H_
