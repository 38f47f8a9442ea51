#include "common/resource_name.h"

#include <gtest/gtest.h>

#include "common/field_violations.h"

namespace qms {
namespace {

TEST(ResourceName, ParsesIdsInOrder) {
  auto ids =
      ParseResourceName("name", "plants/SZ1/complaints/SZ1-2026-00042", {"plants", "complaints"});
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ((*ids)[0], "SZ1");
  EXPECT_EQ((*ids)[1], "SZ1-2026-00042");
}

TEST(ResourceName, RejectsWrongShapesNamingTheField) {
  for (const char* bad : {"", "plants/SZ1", "plants//complaints/1", "plant/SZ1/complaints/1",
                          "plants/SZ1/complaints/1/x", "plants/sz1/complaints/1",
                          "plants/S/complaints/1", "plants/SZ1/returns/1"}) {
    auto ids = ParseResourceName("name", bad, {"plants", "complaints"});
    ASSERT_FALSE(ids.ok()) << bad;
    EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    ASSERT_EQ(ViolationsOf(ids.status()).size(), 1u);
    EXPECT_EQ(ViolationsOf(ids.status())[0].field, "name");
  }
}

TEST(ResourceName, PlantParent) {
  EXPECT_EQ(*ParsePlantParent("parent", "plants/BER-2"), "BER-2");
  EXPECT_FALSE(ParsePlantParent("parent", "plants/SZ1/x").ok());
}

TEST(ResourceName, PlantCodes) {
  EXPECT_TRUE(IsValidPlantCode("SZ1"));
  EXPECT_TRUE(IsValidPlantCode("DG_PLANT-2"));
  EXPECT_FALSE(IsValidPlantCode("1SZ"));
  EXPECT_FALSE(IsValidPlantCode("SZ 1"));
  EXPECT_FALSE(IsValidPlantCode("ABCDEFGHIJKLMNOPQ"));
}

}  // namespace
}  // namespace qms
