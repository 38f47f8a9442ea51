#include "services/complaints/serious.h"

#include "absl/time/civil_time.h"

namespace qms::complaints {

absl::Time SeriousWindowStart(absl::Time received, const SeriousRules& rules, absl::TimeZone zone) {
  const absl::CivilSecond t = absl::ToCivilSecond(received, zone);
  // CivilSecond normalises a month below 1 into the previous years.
  return absl::FromCivil(absl::CivilSecond(t.year(), t.month() - rules.window_months, t.day(),
                                           t.hour(), t.minute(), t.second()),
                         zone);
}

std::vector<SeriousReason> SeriousReasonsFor(const Intake& intake, const SeriousCounts& counts,
                                             const SeriousRules& rules) {
  std::vector<SeriousReason> reasons;
  if (intake.goods_returned) reasons.push_back(SeriousReason::kReturnOrExchange);
  if (!intake.defect_code.empty() &&
      counts.customers_with_same_defect >= rules.same_defect_customers) {
    reasons.push_back(SeriousReason::kSameDefectSeveralCustomers);
  }
  if (counts.complaints_by_customer >= rules.complaints_by_customer) {
    reasons.push_back(SeriousReason::kRepeatedByCustomer);
  }
  return reasons;
}

}  // namespace qms::complaints
