#include "common/field_violations.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

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

TEST(FieldViolations, ManyOrLongViolationsAreBoundedAndCounted) {
  FieldViolations v;
  for (int i = 0; i < 151; ++i) {
    v.Add(absl::StrCat("containment.actions[", i, "].owner", std::string(i == 0 ? 200 : 0, 'x')),
          std::string(300, 'y') + "\xe2\x82\xac");
  }
  absl::Status status = v.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LE(status.message().size(), kMaxMessageBytes + 32);
  EXPECT_NE(status.message().find("containment.actions[0].owner"), absl::string_view::npos);
  EXPECT_TRUE(absl::EndsWith(status.message(), " more")) << status.message();
  const auto violations = ViolationsOf(status);
  ASSERT_EQ(violations.size(), kMaxReportedViolations);
  EXPECT_EQ(violations[0].field.size(), kMaxReportedFieldBytes);
  EXPECT_TRUE(absl::EndsWith(violations[0].field, "..."));
  EXPECT_EQ(violations[1].field, "containment.actions[1].owner");
  EXPECT_EQ(violations[19].field, "containment.actions[19].owner");
  EXPECT_LE(violations[1].description.size(), kMaxReportedDescriptionBytes);
}

TEST(FieldViolations, ACutNeverSplitsAUtf8Character) {
  FieldViolations v;
  std::string euros;
  for (int i = 0; i < 60; ++i) euros += "\xe2\x82\xac";
  v.Add("f", euros);
  const std::string d = ViolationsOf(v.ToStatus())[0].description;
  ASSERT_TRUE(absl::EndsWith(d, "..."));
  EXPECT_EQ((d.size() - 3) % 3, 0u) << "whole euro signs only";
}

TEST(FieldViolations, PlainStatusHasNone) {
  EXPECT_TRUE(ViolationsOf(absl::InvalidArgumentError("x")).empty());
}

}  // namespace
}  // namespace qms
