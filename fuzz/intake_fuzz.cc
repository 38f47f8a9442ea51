// libFuzzer target: the complaints API's request validation. The input is a selector byte and
// the serialized bytes of one request message; whatever they hold, conversion and validation
// must either accept or name the fault, never crash or read out of bounds.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/time/clock.h"
#include "services/complaints/complaint_proto.h"

namespace {

namespace v1 = qms::complaints::v1;

template <typename Request, typename Convert>
void Check(const uint8_t* data, size_t size, Convert convert) {
  Request r;
  if (!r.ParseFromArray(data, static_cast<int>(size))) return;
  auto step = convert(r);
  // A refusal is INVALID_ARGUMENT with a message; nothing else may come out of validation.
  if (!step.ok() && step.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
}

}  // namespace

// Protobuf logs every string that is not UTF-8; the fuzzer makes millions of them.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0] % 11;
  ++data;
  --size;
  using namespace qms::complaints;  // NOLINT
  switch (selector) {
    case 0: {
      v1::CreateComplaintRequest r;
      if (!r.ParseFromArray(data, static_cast<int>(size))) return 0;
      auto intake = IntakeFromProto(r.complaint());
      if (intake.ok()) {
        absl::Status valid = ValidateIntake(*intake, absl::FromUnixSeconds(1'800'000'000));
        if (!valid.ok() && valid.code() != absl::StatusCode::kInvalidArgument) std::abort();
      } else if (intake.status().code() != absl::StatusCode::kInvalidArgument) {
        std::abort();
      }
      return 0;
    }
    case 1:
      Check<v1::TriageComplaintRequest>(data, size, [](const auto& r) { return StepFromProto(r); });
      return 0;
    case 2:
      Check<v1::SubmitContainmentRequest>(data, size,
                                          [](const auto& r) { return StepFromProto(r); });
      return 0;
    case 3:
      Check<v1::SubmitRootCauseRequest>(data, size, [](const auto& r) { return StepFromProto(r); });
      return 0;
    case 4:
      Check<v1::SubmitActionsRequest>(data, size, [](const auto& r) { return StepFromProto(r); });
      return 0;
    case 5:
      Check<v1::WaivePreventiveActionRequest>(data, size,
                                              [](const auto& r) { return StepFromProto(r); });
      return 0;
    case 6:
      Check<v1::DecideActionsRequest>(data, size,
                                      [](const auto& r) { return ApproveFromProto(r); });
      return 0;
    case 7:
      Check<v1::DecideActionsRequest>(data, size, [](const auto& r) { return RejectFromProto(r); });
      return 0;
    case 8:
      Check<v1::ReplyToCustomerRequest>(data, size, [](const auto& r) { return StepFromProto(r); });
      return 0;
    case 9:
      Check<v1::VerifyEffectivenessRequest>(data, size,
                                            [](const auto& r) { return StepFromProto(r); });
      return 0;
    default:
      Check<v1::ReopenComplaintRequest>(data, size, [](const auto& r) { return StepFromProto(r); });
      return 0;
  }
}
