// A complaint's history, page by page.
#include <cppconn/prepared_statement.h>

#include "absl/strings/str_cat.h"
#include "common/db/rows.h"
#include "common/db/transaction.h"
#include "common/page_token.h"
#include "common/status_macros.h"
#include "services/complaints/complaint_store.h"

namespace qms::complaints {
namespace {

constexpr char kSelectHistory[] =
    "SELECT id, action, actor, from_status, to_status, time, details FROM complaint_history "
    "WHERE plant = ? AND number = ? AND id > ? ORDER BY id LIMIT ?";
constexpr char kComplaintExists[] = "SELECT 1 FROM complaints WHERE plant = ? AND number = ?";

}  // namespace

absl::StatusOr<HistoryPage> ComplaintStore::History(const std::string& plant,
                                                    const std::string& number, int page_size,
                                                    const std::string& page_token) {
  const std::string query = absl::StrCat(plant, "/", number);
  auto after_id = DecodePageToken(page_token, query);
  if (!after_id.ok()) return after_id.status();
  HistoryPage page;
  bool exists = false;
  bool more = false;
  absl::Status status = db::RunOnConnection(pool_, [&](db::Connection& c) -> absl::Status {
    auto& check = c.Prepare(kComplaintExists);
    check.setString(1, plant);
    check.setString(2, number);
    db::Rows found(check.executeQuery());
    exists = found.Next();
    if (!exists) return absl::OkStatus();
    auto& select = c.Prepare(kSelectHistory);
    select.setString(1, plant);
    select.setString(2, number);
    select.setInt64(3, *after_id);
    select.setInt(4, page_size + 1);
    db::Rows rows(select.executeQuery());
    const auto read = [](db::Rows& r) {
      return db::ReadHistoryEntry(r, "from_status", "to_status", &ComplaintStatusFromString);
    };
    QMS_ASSIGN_OR_RETURN(more, db::ReadPage(rows, page_size, read, page.entries));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!exists) {
    return absl::NotFoundError(
        absl::StrCat("plants/", plant, "/complaints/", number, " does not exist"));
  }
  if (more) page.next_page_token = EncodePageToken(page.entries.back().sequence, query);
  return page;
}

}  // namespace qms::complaints
