"""Text in camera frames: reading it (OCR) and the phone numbers flyers print."""
