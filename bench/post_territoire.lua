-- wrk script: POST /api/v1/demandes from the communes of COMMUNES (comma
-- separated INSEE codes), each with its own email (no duplicate), several
-- jobs and actions: the requests of a territory's dashboard.
local counter = 0
local seed = 0
local places = {}
local jobs = { "F1602", "D1102", "G1602", "I1604", "H2913", "D1202", "N1101", "F1703", "M1607", "J1501" }
local actions = { "pfmp", "apprentissage", "recrutement", "visite", "intervention" }

function setup(thread)
  seed = seed + 1
  thread:set("seed", seed)
end

function init(args)
  counter = seed * 100000000
  for code in string.gmatch(os.getenv("COMMUNES") or "75056", "[^,]+") do
    table.insert(places, code)
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"action":"%s","entreprise":{"nom":"Entreprise %d"},"contact":{"prenom":"Camille","nom":"Martin","email":"banc%d@exemple.fr"},"commune":"%s","rayon_km":30,"metiers":["%s"],"message":"Une demande du banc de mesure.","consentement":true}',
    actions[counter % #actions + 1], counter, counter, places[counter % #places + 1], jobs[counter % #jobs + 1])
  return wrk.format(nil, "/api/v1/demandes", nil, body)
end
