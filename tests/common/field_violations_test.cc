#include "common/field_violations.h"

#include <gtest/gtest.h>

namespace qms {
namespace {

TEST(FieldViolations, EmptyIsOk) { EXPECT_TRUE(FieldViolations().ToStatus().ok()); }

TEST(FieldViolations, NamesEveryFieldAndCarriesThemAsPayload) {
  FieldViolations v;
  v.Add("complaint.customer", "is required");
  v.Add("page_size", "must be\tbetween\n0 and 500");
  absl::Status status = v.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("complaint.customer: is required"), absl::string_view::npos);
  auto violations = ViolationsOf(status);
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].field, "complaint.customer");
  EXPECT_EQ(violations[1].field, "page_size");
  EXPECT_EQ(violations[1].description, "must be between 0 and 500");
}

TEST(FieldViolations, PlainStatusHasNone) {
  EXPECT_TRUE(ViolationsOf(absl::InvalidArgumentError("x")).empty());
}

}  // namespace
}  // namespace qms
