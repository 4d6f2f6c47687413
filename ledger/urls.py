from django.urls import path

from . import api

app_name = "ledger"

urlpatterns = [
    path("get-sth", api.get_sth, name="get-sth"),
    path("get-sth-consistency", api.get_sth_consistency, name="get-sth-consistency"),
    path("get-proof-by-hash", api.get_proof_by_hash, name="get-proof-by-hash"),
    path("get-entries", api.get_entries, name="get-entries"),
    path("public-key", api.public_key, name="public-key"),
    path("open-data/ledger.jsonl", api.open_data_jsonl, name="open-data-jsonl"),
    path("open-data/ledger.csv", api.open_data_csv, name="open-data-csv"),
    path("open-data/dictionary.json", api.open_data_dictionary, name="open-data-dictionary"),
]
