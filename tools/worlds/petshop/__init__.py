"""The PetShop dataset (amazon-science/petshop-root-cause-analysis, CC-BY-4.0): metrics and a call graph."""
