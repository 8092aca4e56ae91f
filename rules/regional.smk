# regional rankings (being written)
