"""One module per Genesys resource group."""
