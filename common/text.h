// Text helpers every domain needs: bounded free text in requests, and escaping for the HTML
// documents a plant prints (8D report, receipt, rework order ...).
#ifndef QMS_COMMON_TEXT_H_
#define QMS_COMMON_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/field_violations.h"

namespace qms {

// Adds a violation of `field` when `value` is required and empty, or longer than `max` bytes.
void CheckText(FieldViolations& violations, std::string field, absl::string_view value, size_t max,
               bool required);

// `text` with & < > " ' escaped, for HTML text and attribute values.
std::string HtmlEscape(absl::string_view text);

// The pieces of a printable document: one self-contained page (inline CSS, no scripts, no
// external resources). `title` and `subtitle` are escaped here; `subtitle_html` is not.
std::string HtmlPageStart(absl::string_view title, absl::string_view subtitle_html);
inline constexpr char kHtmlPageEnd[] = "</body></html>";
// A table row "<tr><th>label</th><td>value</td></tr>", both escaped.
std::string HtmlRow(absl::string_view label, absl::string_view value);
// "2026-03-04 09:30 CST": a time as the plant reads it.
std::string LocalTime(absl::Time time, absl::TimeZone zone);

}  // namespace qms

#endif  // QMS_COMMON_TEXT_H_
