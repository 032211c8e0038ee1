-- wrk script: POST /api/v1/demandes, each with its own email (no duplicate),
-- around a few cities and jobs, so that every request is routed and stored.
local counter = 0
local seed = 0
local places = { "69123", "75056", "13055", "31555", "33063", "59350", "44109", "67482" }
local jobs = { "F1602", "D1102", "G1602", "I1604", "H2913", "D1202", "N1101", "F1703" }

function setup(thread)
  seed = seed + 1
  thread:set("seed", seed)
end

function init(args)
  counter = seed * 100000000
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local i = counter % #places + 1
  local body = string.format(
    '{"action":"pfmp","entreprise":{"nom":"Entreprise %d"},"contact":{"prenom":"Camille","nom":"Martin","email":"bench%d@exemple.fr"},"commune":"%s","rayon_km":30,"metiers":["%s"],"message":"Deux stagiaires.","consentement":true}',
    counter, counter, places[i], jobs[i])
  return wrk.format(nil, "/api/v1/demandes", nil, body)
end
