#include "common/server/handler.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/roles.h"
#include "common/resource_name.h"

namespace qms::server {

absl::StatusOr<PlantResource> AllowedResource(const Caller& caller, absl::string_view field,
                                              absl::string_view name,
                                              absl::string_view collection) {
  // The plant first: a caller of another plant learns nothing from how the rest is refused.
  const std::vector<absl::string_view> parts = absl::StrSplit(name, absl::MaxSplits('/', 2));
  if (parts.size() >= 2 && parts[0] == "plants" && IsValidPlantCode(parts[1])) {
    QMS_RETURN_IF_ERROR(CheckPlant(caller, parts[1]));
  }
  QMS_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                       ParseResourceName(field, name, {"plants", collection}));
  return PlantResource{std::move(ids[0]), std::move(ids[1])};
}

int PageSize(FieldViolations& violations, int requested) {
  if (requested < 0 || requested > kMaxPageSize) {
    violations.Add("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  return requested == 0 ? kDefaultPageSize : requested;
}

absl::Status CheckEtag(absl::string_view etag) {
  if (etag.size() > 32) return InvalidField("etag", "is not an etag of this API");
  return absl::OkStatus();
}

std::vector<std::string> Readers() {
  return {std::begin(auth::kReaders), std::end(auth::kReaders)};
}

}  // namespace qms::server
