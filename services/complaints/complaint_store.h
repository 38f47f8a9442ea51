// All SQL of the complaints service. One transaction per use case; prepared statements only.
#ifndef QMS_SERVICES_COMPLAINTS_COMPLAINT_STORE_H_
#define QMS_SERVICES_COMPLAINTS_COMPLAINT_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"
#include "services/complaints/complaint.h"

namespace qms::complaints {

struct ListQuery {
  std::string plant;
  std::string customer;                       // empty: any
  std::optional<ComplaintStatus> status;      // none: any
  std::optional<absl::Time> received_after;   // inclusive
  std::optional<absl::Time> received_before;  // exclusive
  int page_size = 50;
  std::string page_token;
};

struct ComplaintPage {
  std::vector<Complaint> complaints;
  std::string next_page_token;  // empty on the last page
};

class ComplaintStore {
 public:
  // `zone_of` gives a plant's time zone: the complaint number carries the year the complaint was
  // received in the plant's own calendar.
  ComplaintStore(db::ConnectionPool& pool,
                 std::function<absl::TimeZone(absl::string_view)> zone_of);

  // Registers a complaint with the next number of its plant and year. `intake` is as the caller
  // sent it (validated); an unset received_time becomes the database's current time.
  // With a request_id seen before in this plant: the complaint created then when the content is
  // the same, ALREADY_EXISTS when it differs. UNAVAILABLE when the database is down.
  absl::StatusOr<Complaint> Create(const std::string& plant, const Intake& intake,
                                   const std::string& request_id);

  // NOT_FOUND when the plant has no complaint with that number.
  absl::StatusOr<Complaint> Get(const std::string& plant, const std::string& number);

  // Newest first. INVALID_ARGUMENT (page_token) for a token from another query.
  absl::StatusOr<ComplaintPage> List(const ListQuery& query);

 private:
  db::ConnectionPool& pool_;
  std::function<absl::TimeZone(absl::string_view)> zone_of_;
};

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_COMPLAINT_STORE_H_
