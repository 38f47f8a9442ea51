// libFuzzer target: the returns API's intake. The input is a selector byte and the serialized
// bytes of one request message. A create is converted and validated; a step is converted and
// applied to a return in each state. Whatever the bytes hold: no crash, only the refusals a
// step may give (INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS), and after any accepted
// step no quantity is negative and nothing is disposed of beyond what was received.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "services/returns/return_proto.h"

namespace {

namespace v1 = qms::returns::v1;
using namespace qms::returns;  // NOLINT

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

bool Allowed(const absl::Status& s) {
  return s.ok() || s.code() == absl::StatusCode::kInvalidArgument ||
         s.code() == absl::StatusCode::kFailedPrecondition ||
         s.code() == absl::StatusCode::kAlreadyExists;
}

void CheckInvariants(const Return& r) {
  for (const Line& l : r.lines) {
    const Disposition& d = l.disposition;
    if (l.received < 0 || d.rework < 0 || d.scrap < 0 || d.concession < 0 || d.to_customer < 0 ||
        d.to_supplier < 0 || Undisposed(r, l) < 0) {
      std::abort();
    }
  }
  for (const ReworkOrder& o : r.rework_orders) {
    if (o.inspected_ok + o.inspected_ng > o.reworked || o.reworked > o.quantity) std::abort();
  }
}

// A return in each state the flow reaches, built through the steps themselves.
const std::vector<Return>& Samples() {
  static const auto* samples = [] {
    auto* out = new std::vector<Return>;
    Return r;
    r.plant = "SZ1";
    r.number = "SZ1-R-2026-00001";
    r.customer = "ACME";
    r.bulk = true;
    Line line;
    line.part_number = "PN-1";
    line.announced = 10;
    line.reason_code = "X";
    r.lines = {line, line};
    const Context ctx{"fuzz", kNow};
    r = Register(r, ctx).record;
    out->push_back(r);
    const auto step = [&](const Step& s) {
      auto next = Apply(r, s, ctx);
      if (!next.ok()) std::abort();
      r = next->record;
      out->push_back(r);
    };
    step(RecordReceiptStep{{"WH-1", {{1, 10}, {2, 10}}, "", "", kNow}});
    ConfirmQualityStep confirm;
    confirm.line = 1;
    confirm.confirmation.nonconforming = 10;
    step(confirm);
    confirm.line = 2;
    step(confirm);
    step(DisposeLineStep{1, {10, 0, "", 0, "", 0, 0}});
    step(DisposeLineStep{2, {0, 10, "scrap", 0, "", 0, 0}});
    step(IssueReworkOrderStep{1, 10, "100 %", kNow + absl::Hours(24)});
    return out;
  }();
  return *samples;
}

template <typename Request>
void CheckStep(const uint8_t* data, size_t size) {
  Request r;
  if (!r.ParseFromArray(data, static_cast<int>(size))) return;
  absl::StatusOr<qms::returns::Step> step = StepFromProto(r);
  if (!step.ok()) {
    if (step.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return;
  }
  for (const Return& sample : Samples()) {
    auto out = Apply(sample, *step, Context{"fuzz", kNow});
    if (!Allowed(out.status())) std::abort();
    if (out.ok()) CheckInvariants(out->record);
  }
}

}  // namespace

// Protobuf logs every string that is not UTF-8; the fuzzer makes millions of them.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0] % 13;
  ++data;
  --size;
  switch (selector) {
    case 0: {
      v1::CreateReturnRequest r;
      if (!r.ParseFromArray(data, static_cast<int>(size))) return 0;
      const absl::Status valid = ValidateNewReturn(DraftFromProto("SZ1", r.return_()));
      if (!valid.ok() && valid.code() != absl::StatusCode::kInvalidArgument) std::abort();
      return 0;
    }
    case 1:
      CheckStep<v1::RecordReceiptRequest>(data, size);
      return 0;
    case 2:
      CheckStep<v1::ConfirmQualityRequest>(data, size);
      return 0;
    case 3:
      CheckStep<v1::ExplainToCustomerRequest>(data, size);
      return 0;
    case 4:
      CheckStep<v1::DisposeLineRequest>(data, size);
      return 0;
    case 5:
      CheckStep<v1::IssueReworkOrderRequest>(data, size);
      return 0;
    case 6:
      CheckStep<v1::RecordReworkProgressRequest>(data, size);
      return 0;
    case 7:
      CheckStep<v1::CloseReworkOrderRequest>(data, size);
      return 0;
    case 8:
      CheckStep<v1::RequestUrgentProductionRequest>(data, size);
      return 0;
    case 9:
      CheckStep<v1::ScheduleUrgentProductionRequest>(data, size);
      return 0;
    case 10:
      CheckStep<v1::RecordAnalysisRequest>(data, size);
      return 0;
    case 11:
      CheckStep<v1::ArchiveAnalysisRequest>(data, size);
      return 0;
    default:
      CheckStep<v1::CloseReturnRequest>(data, size);
      return 0;
  }
}
