#include "services/complaints/complaint.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "common/field_violations.h"

namespace qms::complaints {
namespace {

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 11, 24, 9, 0, 0), absl::UTCTimeZone());

Intake ValidIntake() {
  Intake in;
  in.customer = "ACME";
  in.part_number = "PN-100";
  in.defect_description = "burr on edge";
  in.quantity_delivered = 1000;
  in.quantity_defective = 12;
  in.channel = Channel::kEmail;
  return in;
}

TEST(ValidateIntake, AcceptsAMinimalIntake) {
  EXPECT_TRUE(ValidateIntake(ValidIntake(), kNow).ok());
}

struct BadCase {
  const char* name;
  void (*spoil)(Intake&);
  const char* field;
  friend void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }
};

class ValidateIntakeRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(ValidateIntakeRejects, NamingTheField) {
  Intake in = ValidIntake();
  GetParam().spoil(in);
  absl::Status status = ValidateIntake(in, kNow);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  auto violations = ViolationsOf(status);
  ASSERT_EQ(violations.size(), 1u) << status;
  EXPECT_EQ(violations[0].field, GetParam().field);
}

INSTANTIATE_TEST_SUITE_P(
    EveryField, ValidateIntakeRejects,
    ::testing::Values(
        BadCase{"MissingCustomer", [](Intake& in) { in.customer.clear(); }, "complaint.customer"},
        BadCase{"LongCustomer", [](Intake& in) { in.customer.assign(65, 'x'); },
                "complaint.customer"},
        BadCase{"LongContact", [](Intake& in) { in.customer_contact.assign(257, 'x'); },
                "complaint.customer_contact"},
        BadCase{"MissingPart", [](Intake& in) { in.part_number.clear(); }, "complaint.part_number"},
        BadCase{"LongOrder", [](Intake& in) { in.order_number.assign(65, 'x'); },
                "complaint.order_number"},
        BadCase{"LongLot", [](Intake& in) { in.lot_number.assign(65, 'x'); },
                "complaint.lot_number"},
        BadCase{"LongDefectCode", [](Intake& in) { in.defect_code.assign(33, 'x'); },
                "complaint.defect_code"},
        BadCase{"MissingDescription", [](Intake& in) { in.defect_description.clear(); },
                "complaint.defect_description"},
        BadCase{"LongDescription", [](Intake& in) { in.defect_description.assign(4001, 'x'); },
                "complaint.defect_description"},
        BadCase{"BadDeliveryDate", [](Intake& in) { in.delivery_date = "2026-13-01"; },
                "complaint.delivery_date"},
        BadCase{"DeliveryDateNotIso", [](Intake& in) { in.delivery_date = "24.11.2026"; },
                "complaint.delivery_date"},
        BadCase{"NegativeDelivered", [](Intake& in) { in.quantity_delivered = -1; },
                "complaint.quantity_delivered"},
        BadCase{"NegativeDefective", [](Intake& in) { in.quantity_defective = -1; },
                "complaint.quantity_defective"},
        BadCase{"MoreDefectiveThanDelivered", [](Intake& in) { in.quantity_defective = 1001; },
                "complaint.quantity_defective"},
        BadCase{"NoChannel", [](Intake& in) { in.channel = Channel::kUnspecified; },
                "complaint.channel"},
        BadCase{"ReceivedInTheFuture",
                [](Intake& in) { in.received_time = kNow + absl::Minutes(6); },
                "complaint.received_time"},
        BadCase{"ReceivedBefore2000",
                [](Intake& in) {
                  in.received_time =
                      absl::FromCivil(absl::CivilDay(1999, 12, 31), absl::UTCTimeZone());
                },
                "complaint.received_time"},
        BadCase{"ReplyDateAbsurd",
                [](Intake& in) {
                  in.customer_required_reply_time =
                      absl::FromCivil(absl::CivilDay(2300, 1, 1), absl::UTCTimeZone());
                },
                "complaint.customer_required_reply_time"},
        BadCase{"ReplyDateBeforeReceipt",
                [](Intake& in) {
                  in.received_time = kNow - absl::Hours(2);
                  in.customer_required_reply_time = kNow - absl::Hours(3);
                },
                "complaint.customer_required_reply_time"},
        BadCase{"ReplyDateBeforeNowWhenReceivedNow",
                [](Intake& in) {
                  in.received_time = absl::InfinitePast();
                  in.customer_required_reply_time = kNow - absl::Minutes(1);
                },
                "complaint.customer_required_reply_time"}),
    [](const ::testing::TestParamInfo<BadCase>& param_info) { return param_info.param.name; });

TEST(ValidateIntake, ReportsEveryBadFieldAtOnce) {
  Intake in;
  auto violations = ViolationsOf(ValidateIntake(in, kNow));
  EXPECT_EQ(violations.size(), 4u);  // customer, part_number, defect_description, channel
}

TEST(ValidateIntake, AllowsFiveMinutesOfClockSkew) {
  Intake in = ValidIntake();
  in.received_time = kNow + absl::Minutes(4);
  EXPECT_TRUE(ValidateIntake(in, kNow).ok());
}

TEST(FormatNumber, PadsTheSequence) {
  EXPECT_EQ(FormatNumber("SZ1", 2026, 42), "SZ1-2026-00042");
  EXPECT_EQ(FormatNumber("SZ1", 2026, 123456), "SZ1-2026-123456");
}

TEST(Fingerprint, DiffersWhenAnyFieldDiffers) {
  const Intake base = ValidIntake();
  const std::string f = Fingerprint("SZ1", base);
  EXPECT_EQ(f, Fingerprint("SZ1", base));
  EXPECT_NE(f, Fingerprint("SZ2", base));
  Intake moved = base;
  moved.customer = "ACM";
  moved.customer_contact = "E";  // same characters, other field boundaries
  Intake original = base;
  original.customer_contact = "";
  original.customer = "ACME";
  EXPECT_NE(Fingerprint("SZ1", moved), Fingerprint("SZ1", original));
  Intake returned = base;
  returned.goods_returned = true;
  EXPECT_NE(f, Fingerprint("SZ1", returned));
}

TEST(ResourceName, IsPlantScoped) {
  Complaint c;
  c.plant = "SZ1";
  c.number = "SZ1-2026-00001";
  EXPECT_EQ(ResourceName(c), "plants/SZ1/complaints/SZ1-2026-00001");
}

}  // namespace
}  // namespace qms::complaints
