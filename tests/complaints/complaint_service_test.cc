// The complaints handlers in-process on a real gRPC server, called through a real client, with
// the real MariaDB behind them.
#include <gtest/gtest.h>

#include "tests/complaints/service_fixture.h"

namespace qms::complaints {
namespace {

TEST_F(ComplaintServiceTest, CreateGetListRoundTrip) {
  v1::CreateComplaintRequest request;
  request.set_parent("plants/SZ1");
  *request.mutable_complaint() = ValidComplaint();
  request.mutable_complaint()->set_number("ignored");  // output only
  request.set_request_id("9b2f6c1e-0d1c-4d7e-8a43-1f0c2a5b7e11");
  v1::Complaint created;
  ASSERT_TRUE(Create(request, &created).ok());
  EXPECT_EQ(created.plant(), "SZ1");
  EXPECT_EQ(created.name(), "plants/SZ1/complaints/" + created.number());
  EXPECT_EQ(created.status(), v1::RECEIVED);
  EXPECT_EQ(created.etag(), "1");
  EXPECT_TRUE(created.has_received_time()) << "defaults to the time of registration";
  EXPECT_TRUE(created.has_create_time());

  v1::Complaint got;
  ASSERT_TRUE(Get(created.name(), &got).ok());
  EXPECT_EQ(got.SerializeAsString(), created.SerializeAsString());

  v1::ListComplaintsRequest list;
  list.set_parent("plants/SZ1");
  list.set_customer("ACME");
  v1::ListComplaintsResponse listed;
  ASSERT_TRUE(List(list, &listed).ok());
  ASSERT_EQ(listed.complaints_size(), 1);
  EXPECT_EQ(listed.complaints(0).number(), created.number());
  EXPECT_TRUE(listed.next_page_token().empty());
}

TEST_F(ComplaintServiceTest, UnknownComplaintIsNotFound) {
  v1::Complaint got;
  EXPECT_EQ(Get("plants/SZ1/complaints/SZ1-2026-00404", &got).error_code(), grpc::NOT_FOUND);
}

struct BadCreate {
  const char* name;
  void (*spoil)(v1::CreateComplaintRequest&);
  const char* field;
  friend void PrintTo(const BadCreate& c, std::ostream* os) { *os << c.name; }
};

class CreateRejects : public ComplaintServiceTest,
                      public ::testing::WithParamInterface<BadCreate> {};

TEST_P(CreateRejects, WithInvalidArgumentNamingTheField) {
  v1::CreateComplaintRequest request;
  request.set_parent("plants/SZ1");
  *request.mutable_complaint() = ValidComplaint();
  GetParam().spoil(request);
  v1::Complaint created;
  grpc::Status status = Create(request, &created);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find(GetParam().field), std::string::npos)
      << status.error_message();
  EXPECT_EQ(ViolatedFields(status), std::vector<std::string>{GetParam().field});
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaints"), 0) << "nothing may be written";
}

INSTANTIATE_TEST_SUITE_P(
    EveryField, CreateRejects,
    ::testing::Values(
        BadCreate{"NoParent", [](auto& r) { r.clear_parent(); }, "parent"},
        BadCreate{"BadPlant", [](auto& r) { r.set_parent("plants/sz 1"); }, "parent"},
        BadCreate{"LongRequestId", [](auto& r) { r.set_request_id(std::string(65, 'r')); },
                  "request_id"},
        BadCreate{"NoCustomer", [](auto& r) { r.mutable_complaint()->clear_customer(); },
                  "complaint.customer"},
        BadCreate{"NoPart", [](auto& r) { r.mutable_complaint()->clear_part_number(); },
                  "complaint.part_number"},
        BadCreate{"NoDescription",
                  [](auto& r) { r.mutable_complaint()->clear_defect_description(); },
                  "complaint.defect_description"},
        BadCreate{
            "LongContact",
            [](auto& r) { r.mutable_complaint()->set_customer_contact(std::string(300, 'c')); },
            "complaint.customer_contact"},
        BadCreate{"LongOrder",
                  [](auto& r) { r.mutable_complaint()->set_order_number(std::string(65, 'o')); },
                  "complaint.order_number"},
        BadCreate{"LongLot",
                  [](auto& r) { r.mutable_complaint()->set_lot_number(std::string(65, 'l')); },
                  "complaint.lot_number"},
        BadCreate{"LongDefectCode",
                  [](auto& r) { r.mutable_complaint()->set_defect_code(std::string(33, 'd')); },
                  "complaint.defect_code"},
        BadCreate{"BadDeliveryDate",
                  [](auto& r) { r.mutable_complaint()->set_delivery_date("2026-02-30"); },
                  "complaint.delivery_date"},
        BadCreate{"NegativeDelivered",
                  [](auto& r) { r.mutable_complaint()->set_quantity_delivered(-5); },
                  "complaint.quantity_delivered"},
        BadCreate{"TooManyDefective",
                  [](auto& r) { r.mutable_complaint()->set_quantity_defective(501); },
                  "complaint.quantity_defective"},
        BadCreate{"NoChannel", [](auto& r) { r.mutable_complaint()->clear_channel(); },
                  "complaint.channel"},
        BadCreate{"UnknownChannel",
                  [](auto& r) { r.mutable_complaint()->set_channel(static_cast<v1::Channel>(99)); },
                  "complaint.channel"},
        BadCreate{"ReceivedInFuture",
                  [](auto& r) {
                    r.mutable_complaint()->mutable_received_time()->set_seconds(4102444800);
                  },
                  "complaint.received_time"},
        BadCreate{"BadNanos",
                  [](auto& r) { r.mutable_complaint()->mutable_received_time()->set_nanos(-1); },
                  "complaint.received_time"},
        BadCreate{"ReplyTimeOutOfRange",
                  [](auto& r) {
                    r.mutable_complaint()->mutable_customer_required_reply_time()->set_seconds(
                        int64_t{1} << 40);
                  },
                  "complaint.customer_required_reply_time"}),
    [](const ::testing::TestParamInfo<BadCreate>& param_info) { return param_info.param.name; });

TEST_F(ComplaintServiceTest, BadListAndGetRequestsNameTheField) {
  v1::ListComplaintsResponse listed;
  v1::ListComplaintsRequest list;
  list.set_parent("plants/SZ1");
  list.set_page_size(-1);
  EXPECT_EQ(ViolatedFields(List(list, &listed)), std::vector<std::string>{"page_size"});
  list.set_page_size(501);
  EXPECT_EQ(ViolatedFields(List(list, &listed)), std::vector<std::string>{"page_size"});
  list.set_page_size(10);
  list.set_page_token("not-a-token");
  EXPECT_EQ(ViolatedFields(List(list, &listed)), std::vector<std::string>{"page_token"});
  list.clear_page_token();
  list.set_status(static_cast<v1::ComplaintStatus>(77));
  EXPECT_EQ(ViolatedFields(List(list, &listed)), std::vector<std::string>{"status"});
  list.clear_status();
  list.mutable_received_after()->set_nanos(2000000000);
  EXPECT_EQ(ViolatedFields(List(list, &listed)), std::vector<std::string>{"received_after"});
  list.clear_received_after();
  list.set_parent("plants/SZ1/complaints");
  EXPECT_EQ(ViolatedFields(List(list, &listed)), std::vector<std::string>{"parent"});

  v1::Complaint got;
  grpc::Status bad_name = Get("complaints/SZ1-2026-00001", &got);
  EXPECT_EQ(bad_name.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(bad_name), std::vector<std::string>{"name"});
}

TEST_F(ComplaintServiceTest, AReusedRequestIdWithOtherContentIsAlreadyExists) {
  v1::CreateComplaintRequest request;
  request.set_parent("plants/SZ1");
  *request.mutable_complaint() = ValidComplaint();
  request.set_request_id("r-1");
  v1::Complaint created;
  ASSERT_TRUE(Create(request, &created).ok());
  request.mutable_complaint()->set_customer("OTHER");
  EXPECT_EQ(Create(request, &created).error_code(), grpc::ALREADY_EXISTS);
}

}  // namespace
}  // namespace qms::complaints
