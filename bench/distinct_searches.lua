-- wrk script: every request is a different URL (an unused parameter varies),
-- so no answer comes from the search response cache.
local counter = 0
local seed = 0

function setup(thread)
  seed = seed + 1
  thread:set("seed", seed)
end

function init(args)
  counter = seed * 100000000
end

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/recherche?q=electricien&commune=69123&rayon_km=30&n=" .. counter)
end
