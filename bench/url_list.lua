-- wrk script: requests the paths of the file named by URLS (one per line),
-- in turn, each thread from its own starting point: every request of a
-- run is a different URL until the list is exhausted (the distinct
-- realistic searches of bench/routes.sh).
local paths = {}
for line in io.lines(os.getenv("URLS")) do
  paths[#paths + 1] = line
end
local next_thread = 0
local i = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("start", next_thread * 997)
end

function init(args)
  i = start
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
