// MonLycéePro: progressive enhancements (every page works without JavaScript).
