)
"serve

sCreateSummaryFileWriter