// Serious complaints (严重投诉), escalated to the head of sales and possibly the GM (domain §1).
#ifndef QMS_SERVICES_COMPLAINTS_SERIOUS_H_
#define QMS_SERVICES_COMPLAINTS_SERIOUS_H_

#include <vector>

#include "absl/time/time.h"
#include "services/complaints/complaint.h"

namespace qms::complaints {

struct SeriousRules {
  int window_months = 12;          // how far back the two counting rules look
  int same_defect_customers = 2;   // distinct customers with the same part + defect code
  int complaints_by_customer = 3;  // complaints of one customer
};

// What the store counted in the window before the new complaint's receipt, the new one included.
struct SeriousCounts {
  int customers_with_same_defect = 1;
  int complaints_by_customer = 1;
};

// Where the counting window starts for a complaint received at `received` in `zone`.
absl::Time SeriousWindowStart(absl::Time received, const SeriousRules& rules, absl::TimeZone zone);

// The reasons the new complaint is serious, in a fixed order; empty when it is not. The
// same-defect rule needs a defect code: without one there is nothing to compare.
std::vector<SeriousReason> SeriousReasonsFor(const Intake& intake, const SeriousCounts& counts,
                                             const SeriousRules& rules);

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_SERIOUS_H_
