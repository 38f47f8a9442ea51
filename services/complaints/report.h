// The 8D report as one self-contained HTML document (inline CSS, no scripts, no external
// resources) that a quality engineer can send to the customer or print.
#ifndef QMS_SERVICES_COMPLAINTS_REPORT_H_
#define QMS_SERVICES_COMPLAINTS_REPORT_H_

#include <string>

#include "absl/time/time.h"
#include "common/text.h"
#include "services/complaints/complaint.h"

namespace qms::complaints {

// Every text from the record is HTML-escaped. Times are shown in `zone` (the plant's).
std::string RenderReport(const Complaint& complaint, absl::TimeZone zone);

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_REPORT_H_
