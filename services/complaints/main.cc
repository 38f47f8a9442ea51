// complaints: customer complaints (8D) and customer audit findings for the plants.
#include "services/complaints/wiring.h"

int main(int argc, char** argv) { return qms::RunService(argc, argv, qms::complaints::Service()); }
