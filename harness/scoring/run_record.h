// Transitional: run_record moved to harness/rundir/. This forwarding header lets the runner's
// `#include "scoring/run_record.h"` compile until it includes "rundir/run_record.h"; delete it
// then (the lead does at merge).
#pragma once

#include "rundir/run_record.h"
